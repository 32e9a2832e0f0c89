"""The ingest API's request and response bodies."""

from typing import Self

from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from shared.articles.submitted import ArticleFields, ArticleIn, Title


class ArticleRequest(ArticleFields):
    """One article; or a web page's: `url` alone is fetched, `url` with `html` is read.

    Fields sent with a page override what the page says about itself.
    """

    title: Title | None = None
    # The page's HTML, when the caller has it already (then nothing is fetched).
    html: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _article_or_page(self) -> Self:
        if self.html is not None and (self.url is None or self.body is not None):
            raise ValueError("html needs the page's url, and comes instead of a body")
        if self.title is None and (self.url is None or self.body is not None):
            # As ArticleIn would say it (at `title`, "Field required"), with the way out.
            required = PydanticCustomError(
                "missing", "Field required, unless a url comes without a body (a web page)"
            )
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [InitErrorDetails(type=required, loc=("title",), input=self.model_dump())],
            )
        return self

    @property
    def is_page(self) -> bool:
        """Whether the article is to be read from a web page (fetched unless html is sent)."""
        return self.html is not None or self.title is None

    def as_article(self) -> ArticleIn:
        """The article as sent, for a request that is not a web page."""
        return ArticleIn.model_validate(self.model_dump(exclude={"html"}))


class Accepted(BaseModel):
    """The outcome for one accepted or duplicate article."""

    id: str
    duplicate: bool


class Rejected(BaseModel):
    """The outcome for one article of a batch that failed validation."""

    error: str


class BatchResult(BaseModel):
    """Outcomes of a batch, in input order."""

    results: list[Accepted | Rejected]
