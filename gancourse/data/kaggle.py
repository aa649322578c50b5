"""Kaggle competition downloads, with the three failures a student meets named and fixed.

`import kaggle` authenticates at import time and, in many versions, exits the Python process
when it finds no credentials: a notebook kernel would die without a word. So credentials are
looked for here first, and the package is imported only when they exist.
"""

import json
import os
import shutil
import zipfile
from pathlib import Path

from .download import DataUnavailableError

TOKEN_PAGE = "https://www.kaggle.com/settings"


class KaggleCredentialsError(DataUnavailableError):
    """No Kaggle API token was found, or Kaggle refused it."""


class KaggleRulesError(DataUnavailableError):
    """Kaggle answered 403: the competition's rules have not been accepted with this account."""


def _config_dir() -> Path:
    return Path(os.environ.get("KAGGLE_CONFIG_DIR", Path.home() / ".kaggle")).expanduser()


def _colab_secrets() -> bool:
    """Copy KAGGLE_USERNAME / KAGGLE_KEY from Colab's secrets (the key icon) into the environment."""
    try:
        from google.colab import userdata
    except ImportError:
        return False
    try:
        values = {name: userdata.get(name) for name in ("KAGGLE_USERNAME", "KAGGLE_KEY")}
    except Exception:  # SecretNotFoundError, NotebookAccessError: the secret is absent or not shared
        return False
    os.environ.update(values)
    return True


def credentials() -> str:
    """Where the credentials come from, or KaggleCredentialsError naming every way to provide them."""
    if os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY"):
        return "KAGGLE_USERNAME/KAGGLE_KEY"
    if os.environ.get("KAGGLE_API_TOKEN"):
        return "KAGGLE_API_TOKEN"
    token = _config_dir() / "kaggle.json"
    if token.is_file():
        try:
            content = json.loads(token.read_text())
        except ValueError as error:
            raise KaggleCredentialsError(
                f"{token} is not valid JSON ({error}). Fix: download a fresh token from {TOKEN_PAGE} "
                "(API -> Create New Token) and replace the file."
            ) from error
        if not (isinstance(content, dict) and content.get("username") and content.get("key")):
            raise KaggleCredentialsError(f'{token} needs "username" and "key". Fix: replace it with the '
                                         f"kaggle.json downloaded from {TOKEN_PAGE}.")
        return str(token)
    if (_config_dir() / "access_token").is_file():
        return str(_config_dir() / "access_token")
    if _colab_secrets():
        return "Colab secrets"
    raise KaggleCredentialsError(
        "No Kaggle credentials found. Fix, one of:\n"
        f"  * on {TOKEN_PAGE}, under API, click 'Create New Token' and save the kaggle.json it downloads "
        f"as {_config_dir() / 'kaggle.json'} (then chmod 600 it);\n"
        "  * set the environment variables KAGGLE_USERNAME and KAGGLE_KEY (the two values in kaggle.json);\n"
        "  * on Colab, add secrets named KAGGLE_USERNAME and KAGGLE_KEY (key icon in the left bar) and "
        "allow this notebook to read them."
    )


def _http_status(error: BaseException):
    """The HTTP status inside an error of any kaggle version (requests' HTTPError or the old ApiException)."""
    response = getattr(error, "response", None)
    return getattr(response, "status_code", None) or getattr(error, "status", None)


def _api():
    """An authenticated KaggleApi; imported here, after credentials() found something to authenticate with."""
    try:
        from kaggle.api.kaggle_api_extended import KaggleApi

        api = KaggleApi()
        api.authenticate()
    except SystemExit as error:  # kaggle prints its own help and calls exit(1)
        raise KaggleCredentialsError(
            f"Kaggle did not accept the credentials found. Fix: create a new token at {TOKEN_PAGE} and "
            "replace the old kaggle.json / KAGGLE_KEY."
        ) from error
    return api


def download_competition(competition: str, folder: Path) -> Path:
    """Download the competition's files as Kaggle serves them (one zip) into `folder`, and return the zip.

    The zip is written into a temporary folder, tested (every member's CRC), and only then
    moved into place, so an interrupted download never passes for a complete one.
    """
    where = credentials()
    folder = Path(folder)
    partial = folder / ".kaggle-download"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    print(f"Downloading the Kaggle competition '{competition}' (credentials: {where}) ...")
    try:
        _api().competition_download_files(competition, path=str(partial), quiet=False)
    except (KaggleCredentialsError, KeyboardInterrupt):
        shutil.rmtree(partial, ignore_errors=True)
        raise
    except Exception as error:
        shutil.rmtree(partial, ignore_errors=True)
        status = _http_status(error)
        if status == 403:
            raise KaggleRulesError(
                f"Kaggle answered 403 Forbidden for '{competition}': this account has not accepted the "
                f"competition's rules. Fix: sign in, open https://www.kaggle.com/competitions/{competition}/rules, "
                "click 'I Understand and Accept', then run this cell again."
            ) from error
        if status == 401:
            raise KaggleCredentialsError(
                f"Kaggle answered 401 Unauthorized: the token is wrong or expired. Fix: create a new one at "
                f"{TOKEN_PAGE} and replace kaggle.json / KAGGLE_KEY."
            ) from error
        raise DataUnavailableError(
            f"Downloading '{competition}' from Kaggle failed ({type(error).__name__}: {error}). Fix: try again, "
            f"or download the data by hand from https://www.kaggle.com/competitions/{competition}/data "
            f"and put the zip into {folder}."
        ) from error
    archives = sorted(partial.glob("*.zip"))
    if len(archives) != 1:
        shutil.rmtree(partial, ignore_errors=True)
        raise DataUnavailableError(
            f"Kaggle's download of '{competition}' left {len(archives)} zip files, expected 1. Fix: download it "
            f"by hand from https://www.kaggle.com/competitions/{competition}/data into {folder}."
        )
    archive = archives[0]
    try:
        with zipfile.ZipFile(archive) as download:  # closed before the rename (Windows refuses open files)
            damaged = download.testzip()
    except zipfile.BadZipFile:
        damaged = archive.name
    if damaged is not None:
        shutil.rmtree(partial, ignore_errors=True)
        raise DataUnavailableError(f"The download of '{competition}' is damaged ({damaged}). Fix: run the cell again.")
    target = folder / archive.name
    os.replace(archive, target)
    shutil.rmtree(partial, ignore_errors=True)
    return target
