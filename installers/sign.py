"""Authenticode signing with osslsigncode, when a certificate is configured.

Configuration, from the environment (installers/README.md):

- ``DAFTAR_SIGN_PFX``: the PKCS#12 file (.pfx/.p12) with the certificate and its key;
- ``DAFTAR_SIGN_PASSWORD_FILE``: a file holding its password (never on a command line);
- ``DAFTAR_SIGN_TIMESTAMP_URL`` (optional): an RFC 3161 time-stamp server, so that the
  signature stays valid after the certificate expires (needs the network).

``make installer`` signs both launchers before they go into the setup, and NSIS signs the
uninstaller and the setup by running this file, ``python installers/sign.py FILE``
(``!uninstfinalize`` and ``!finalize`` in installers/windows/daftar.nsi). It imports the
standard library only, so it runs from any folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PFX_ENV = "DAFTAR_SIGN_PFX"
PASSWORD_FILE_ENV = "DAFTAR_SIGN_PASSWORD_FILE"
TIMESTAMP_ENV = "DAFTAR_SIGN_TIMESTAMP_URL"


class SignError(RuntimeError):
    """osslsigncode refused to sign or to verify."""


@dataclass(frozen=True)
class Signer:
    """A configured certificate."""

    pfx: Path
    password_file: Path
    timestamp_url: str = ""

    @classmethod
    def from_environment(cls) -> Signer | None:
        """The signer the environment configures, or None (then nothing is signed)."""
        pfx = os.environ.get(PFX_ENV, "")
        if not pfx:
            return None
        password_file = os.environ.get(PASSWORD_FILE_ENV, "")
        if not password_file:
            raise SignError(f"{PFX_ENV} is set but {PASSWORD_FILE_ENV} is not")
        return cls(Path(pfx), Path(password_file), os.environ.get(TIMESTAMP_ENV, ""))

    def environment(self) -> dict[str, str]:
        """The variables that configure this signer (for a child process)."""
        values = {PFX_ENV: str(self.pfx), PASSWORD_FILE_ENV: str(self.password_file)}
        if self.timestamp_url:
            values[TIMESTAMP_ENV] = self.timestamp_url
        return values

    def sign(self, path: Path) -> None:
        """Sign ``path`` in place (SHA-256)."""
        signed = path.with_name(path.name + ".signed")
        command = [
            "osslsigncode",
            "sign",
            "-pkcs12",
            str(self.pfx),
            "-readpass",
            str(self.password_file),
            "-h",
            "sha256",
            "-n",
            "Daftar",
        ]
        if self.timestamp_url:
            command += ["-ts", self.timestamp_url]
        command += ["-in", str(path), "-out", str(signed)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            signed.unlink(missing_ok=True)
            raise SignError(f"osslsigncode could not sign {path}:\n{done.stdout}{done.stderr}")
        signed.replace(path)


def verify(path: Path, ca_file: Path) -> str:
    """Check the signature of ``path`` against the certificates in ``ca_file`` (PEM);
    returns osslsigncode's report, raises :class:`SignError` when it is not valid."""
    done = subprocess.run(
        ["osslsigncode", "verify", "-in", str(path), "-CAfile", str(ca_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or "Signature verification: ok" not in done.stdout:
        raise SignError(f"{path.name}: the signature does not verify:\n{done.stdout}{done.stderr}")
    return done.stdout


def main() -> int:
    """``python installers/sign.py FILE``: sign FILE with the configured certificate."""
    if len(sys.argv) != 2:
        print("usage: python installers/sign.py FILE", file=sys.stderr)
        return 2
    signer = Signer.from_environment()
    if signer is None:
        print(f"sign.py: {PFX_ENV} is not set", file=sys.stderr)
        return 1
    try:
        signer.sign(Path(sys.argv[1]))
    except SignError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
