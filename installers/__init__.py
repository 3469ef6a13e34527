"""Building Daftar's Windows installer on Linux: see installers/README.md."""
