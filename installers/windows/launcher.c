/*
 * Daftar's launchers: daftar.exe (built with -DDAFTAR_GUI: Windows subsystem, no console)
 * and daftar-cli.exe (console subsystem). Each is the `daftar` command: it loads the
 * embeddable Python from the `python` folder beside it and runs `python -X utf8 -m app`
 * with the same arguments, in this process (Py_Main), the way python.exe and pythonw.exe
 * do. python\python311._pth puts `lib` on sys.path and isolates Python from the machine
 * (no PYTHONPATH, no user site-packages).
 *
 * Why this launcher rather than distlib's t64.exe/w64.exe stubs (pynsist's choice, which
 * run a script appended to them): those start python.exe or pythonw.exe as a second
 * process and carry distlib's resources, so Task Manager and the taskbar show Python, not
 * Daftar. This one runs Python inside daftar.exe: the process is Daftar's, its windows
 * take the icon IDI_ICON1 of this .exe (Qt's default window icon on Windows), the version
 * is in its resources, and it is ~100 lines built from source with Debian's mingw-w64
 * (byte for byte the same each time) instead of a binary taken from a wheel. Both kinds
 * can be Authenticode-signed.
 *
 * While Daftar runs, the process holds the named mutex Local\Daftar.Running: the installer
 * and the uninstaller refuse to touch the program while it exists.
 */
#define WIN32_LEAN_AND_MEAN
#define _WIN32_WINNT 0x0A00 /* Windows 10: AddDllDirectory */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#ifndef PYTHON_DLL
#error "PYTHON_DLL (e.g. L\"python311.dll\") must be defined by the build"
#endif

#define PATH_CHARS 32768
#define RUNNING_MUTEX L"Local\\Daftar.Running"
/* Arguments put before the user's: python -X utf8 -m app. */
static const wchar_t *const PYTHON_ARGS[] = {L"-X", L"utf8", L"-m", L"app"};
#define PYTHON_ARG_COUNT (sizeof PYTHON_ARGS / sizeof PYTHON_ARGS[0])

typedef int(__cdecl *py_main_t)(int argc, wchar_t **argv);

extern int __argc;
extern wchar_t **__wargv;

static int fail(const wchar_t *persian, const wchar_t *english, const wchar_t *detail,
                DWORD error)
{
    wchar_t text[PATH_CHARS + 1024];
    _snwprintf(text, sizeof text / sizeof text[0] - 1,
               L"%ls\n\n%ls\n%ls (%lu)", persian, english, detail, (unsigned long)error);
    text[sizeof text / sizeof text[0] - 1] = L'\0';
#ifdef DAFTAR_GUI
    MessageBoxW(NULL, text, L"دفتر",
                MB_OK | MB_ICONERROR | MB_RTLREADING | MB_RIGHT);
#else
    fwprintf(stderr, L"daftar: %ls: %ls (%lu)\n", english, detail, (unsigned long)error);
#endif
    return 1;
}

static int run(void)
{
    static wchar_t folder[PATH_CHARS];
    static wchar_t python_folder[PATH_CHARS];
    static wchar_t dll[PATH_CHARS];
    DWORD length = GetModuleFileNameW(NULL, folder, PATH_CHARS);
    if (length == 0 || length >= PATH_CHARS) {
        return fail(L"مسیر دفتر پیدا نشد.",
                    L"Daftar could not find its own folder", L"GetModuleFileNameW", GetLastError());
    }
    wchar_t *slash = wcsrchr(folder, L'\\');
    if (slash != NULL) {
        *slash = L'\0';
    }
    /* Held until the process exits: Windows closes the handle then. */
    CreateMutexW(NULL, FALSE, RUNNING_MUTEX);

    if (_snwprintf(python_folder, PATH_CHARS, L"%ls\\python", folder) < 0
        || _snwprintf(dll, PATH_CHARS, L"%ls\\%ls", python_folder, PYTHON_DLL) < 0) {
        return fail(L"مسیر دفتر بسیار بلند است.",
                    L"The installation folder's path is too long", folder, 0);
    }
    /* Extension modules under lib find python3.dll and the C runtime in Python's folder,
     * as they do next to python.exe (Python loads them with the default directories). */
    AddDllDirectory(python_folder);
    /* LOAD_WITH_ALTERED_SEARCH_PATH: python311.dll's own DLLs come from its folder. */
    HMODULE python = LoadLibraryExW(dll, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
    if (python == NULL) {
        return fail(L"فایل‌های دفتر ناقص است؛ دفتر را دوباره نصب کنید.",
                    L"Daftar's files are incomplete; install Daftar again", dll, GetLastError());
    }
    py_main_t py_main = (py_main_t)(void (*)(void))GetProcAddress(python, "Py_Main");
    if (py_main == NULL) {
        return fail(L"فایل‌های دفتر ناقص است؛ دفتر را دوباره نصب کنید.",
                    L"Daftar's Python has no Py_Main; install Daftar again", dll, GetLastError());
    }

    int argc = __argc + (int)PYTHON_ARG_COUNT;
    wchar_t **argv = calloc((size_t)argc + 1, sizeof *argv);
    if (argv == NULL) {
        return fail(L"حافظه کافی نیست.",
                    L"Out of memory", L"calloc", 0);
    }
    argv[0] = __wargv[0];
    for (size_t i = 0; i < PYTHON_ARG_COUNT; i++) {
        argv[1 + i] = (wchar_t *)PYTHON_ARGS[i];
    }
    for (int i = 1; i < __argc; i++) {
        argv[PYTHON_ARG_COUNT + (size_t)i] = __wargv[i];
    }
    return py_main(argc, argv);
}

#ifdef DAFTAR_GUI
int WINAPI wWinMain(HINSTANCE instance, HINSTANCE previous, LPWSTR command_line, int show)
{
    (void)instance;
    (void)previous;
    (void)command_line;
    (void)show;
    return run();
}
#else
int wmain(void)
{
    return run();
}
#endif
