from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.contracts.settings import CommonSettings

# `make run` writes its generated secrets here; the CLI run from the repository finds them.
LOCAL_ENV = ".data/local.env"


class Settings(CommonSettings):
    """What the `ontheme` command reads: the services' variables, then `.data/local.env`."""

    model_config = SettingsConfigDict(env_file=LOCAL_ENV, env_file_encoding="utf-8")

    # Only commands that change the index need it (reindex); they say so when it is missing.
    meili_key: SecretStr | None = Field(default=None, validation_alias="MEILI_MASTER_KEY")
