"""`make bench`: every figure of issue 9 in one run, on the same documents (see __main__)."""
