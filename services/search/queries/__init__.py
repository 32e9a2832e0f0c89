"""The query layer: what the JSON routes and the HTML pages read, one function per read."""
