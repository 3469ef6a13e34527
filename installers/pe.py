"""The DLLs a Windows executable or DLL imports, read from its PE headers.

The build keeps only the Qt DLLs that the kept Qt modules and plugins need (everything
else of PySide6 is left out), and checks that every DLL of the installed tree imports
only DLLs the tree ships or Windows has. Both need the import tables of PE files, read
here on Linux with nothing but :mod:`struct` (the normal and the delay-load imports).
"""

from __future__ import annotations

import struct
from pathlib import Path

_IMPORT_DIRECTORY = 1
_DELAY_IMPORT_DIRECTORY = 13
_PE32_PLUS = 0x20B

#: DLLs every supported Windows (10 1903 and later, 11) has: they need not ship with
#: Daftar. The ``api-ms-win-*`` and ``ext-ms-*`` API sets are resolved by Windows itself;
#: icuuc.dll is Windows' own ICU (Qt6Core needs it; wine 8 has none).
WINDOWS_DLLS = frozenset(
    {
        "advapi32.dll",
        "authz.dll",
        "bcrypt.dll",
        "bcryptprimitives.dll",
        "cabinet.dll",
        "cfgmgr32.dll",
        "comctl32.dll",
        "comdlg32.dll",
        "crypt32.dll",
        "d2d1.dll",
        "d3d11.dll",
        "d3d12.dll",
        "d3d9.dll",
        "d3dcompiler_47.dll",
        "dbghelp.dll",
        "dcomp.dll",
        "dnsapi.dll",
        "dwmapi.dll",
        "dwrite.dll",
        "dxgi.dll",
        "gdi32.dll",
        "gdiplus.dll",
        "icuuc.dll",
        "imm32.dll",
        "iphlpapi.dll",
        "kernel32.dll",
        "mpr.dll",
        "msi.dll",
        "msvcrt.dll",
        "ncrypt.dll",
        "netapi32.dll",
        "ntdll.dll",
        "ole32.dll",
        "oleacc.dll",
        "oleaut32.dll",
        "opengl32.dll",
        "powrprof.dll",
        "propsys.dll",
        "psapi.dll",
        "rpcrt4.dll",
        "secur32.dll",
        "setupapi.dll",
        "shcore.dll",
        "shell32.dll",
        "shlwapi.dll",
        "ucrtbase.dll",
        "uiautomationcore.dll",
        "user32.dll",
        "userenv.dll",
        "uxtheme.dll",
        "version.dll",
        "winhttp.dll",
        "wininet.dll",
        "winmm.dll",
        "winspool.drv",
        "wintrust.dll",
        "ws2_32.dll",
        "wtsapi32.dll",
    }
)


class NotPE(ValueError):
    """The file is not a 64-bit PE image."""


def _rva_to_offset(sections: list[tuple[int, int, int, int]], rva: int) -> int:
    for virtual_address, virtual_size, raw_offset, raw_size in sections:
        if virtual_address <= rva < virtual_address + max(virtual_size, raw_size):
            return raw_offset + rva - virtual_address
    raise NotPE(f"address {rva:#x} is in no section")


def _c_string(data: bytes, offset: int) -> str:
    end = data.index(b"\0", offset)
    return data[offset:end].decode("ascii")


def imports(path: Path) -> list[str]:
    """The DLL names ``path`` imports (normal and delay-load), as written, in order."""
    data = path.read_bytes()
    if data[:2] != b"MZ":
        raise NotPE(f"{path}: no MZ header")
    (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
    if data[pe_offset : pe_offset + 4] != b"PE\0\0":
        raise NotPE(f"{path}: no PE signature")
    _machine, section_count = struct.unpack_from("<HH", data, pe_offset + 4)
    (optional_size,) = struct.unpack_from("<H", data, pe_offset + 20)
    optional = pe_offset + 24
    (magic,) = struct.unpack_from("<H", data, optional)
    if magic != _PE32_PLUS:
        raise NotPE(f"{path}: not a 64-bit image")
    (directory_count,) = struct.unpack_from("<I", data, optional + 108)
    directories = [
        struct.unpack_from("<II", data, optional + 112 + 8 * i) for i in range(directory_count)
    ]
    sections = []
    for i in range(section_count):
        at = optional + optional_size + 40 * i
        virtual_size, virtual_address, raw_size, raw_offset = struct.unpack_from(
            "<IIII", data, at + 8
        )
        sections.append((virtual_address, virtual_size, raw_offset, raw_size))

    names: list[str] = []
    # IMAGE_IMPORT_DESCRIPTOR (20 bytes): the DLL's name at +12.
    # IMAGE_DELAYLOAD_DESCRIPTOR (32 bytes): the DLL's name at +4.
    for index, size, name_at in ((_IMPORT_DIRECTORY, 20, 12), (_DELAY_IMPORT_DIRECTORY, 32, 4)):
        if index >= directory_count or directories[index][0] == 0:
            continue
        offset = _rva_to_offset(sections, directories[index][0])
        while True:
            entry = data[offset : offset + size]
            if len(entry) < size or entry == bytes(size):
                break
            (name_rva,) = struct.unpack_from("<I", entry, name_at)
            if name_rva == 0:
                break
            names.append(_c_string(data, _rva_to_offset(sections, name_rva)))
            offset += size
    return names


def is_windows_dll(name: str) -> bool:
    """Whether Windows provides ``name`` (a system DLL or an API set)."""
    lower = name.lower()
    return lower in WINDOWS_DLLS or lower.startswith(("api-ms-win-", "ext-ms-"))


def unresolved(root: Path) -> dict[str, list[str]]:
    """Every PE file under ``root`` (relative path) → the DLLs it imports that are neither
    in its own folder, nor in a folder Daftar adds to the DLL search path (``dll_dirs``
    of :func:`dll_search_dirs`), nor part of Windows. Empty when the tree is complete."""
    binaries = [p for p in sorted(root.rglob("*")) if p.suffix.lower() in {".dll", ".pyd", ".exe"}]
    shipped: dict[Path, set[str]] = {}
    for binary in binaries:
        shipped.setdefault(binary.parent, set()).add(binary.name.lower())
    search = [d for d in dll_search_dirs(root) if d in shipped]
    missing: dict[str, list[str]] = {}
    for binary in binaries:
        visible = set(shipped[binary.parent])
        for folder in search:
            visible |= shipped[folder]
        lost = [
            name
            for name in imports(binary)
            if name.lower() not in visible and not is_windows_dll(name)
        ]
        if lost:
            missing[binary.relative_to(root).as_posix()] = lost
    return missing


def dll_search_dirs(root: Path) -> list[Path]:
    """The folders whose DLLs every module of the installed tree may load: Python's own
    folder (python311.dll, vcruntime) and those PySide6 and shiboken6 add with
    ``os.add_dll_directory`` when imported."""
    return [root / "python", root / "lib" / "PySide6", root / "lib" / "shiboken6"]
