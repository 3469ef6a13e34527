/*
 * For the wine test only (never installed): wine 8 has no bcryptprimitives.dll, whose
 * ProcessPrng the Rust standard library (so cryptography's _rust.pyd) calls for random
 * bytes on Windows 10 and later, where Windows ships the DLL. This stand-in gives the
 * same bytes source through BCryptGenRandom, which wine has.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG chunk = size > 0x40000000 ? 0x40000000 : (ULONG)size;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
            return FALSE;
        }
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}
