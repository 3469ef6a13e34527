; Daftar's Windows installer: NSIS 3, Unicode, amd64, for the current user only (no
; administrator rights), into %LOCALAPPDATA%\Programs\Daftar.
;
; Built by installers/build.py (`make installer`), which defines:
;   VERSION        the version from pyproject.toml, e.g. 0.1.0
;   VERSION_QUAD   the same as four numbers, e.g. 0.1.0.0
;   FILES_NSH      the generated list of files (macros DAFTAR_INSTALL_FILES and
;                  DAFTAR_REMOVE_PROGRAM)
;   INSTALLED_KB   the installed size, for «Apps & features»
;   OUTFILE ICON WELCOME_BITMAP NOTICE_FA NOTICE_EN   paths
;   SIGN_COMMAND   (optional) a command that signs the file named by its last argument
;   COMPRESSOR     (optional) instead of solid LZMA, e.g. zlib: quicker, bigger (tests)
;
; Exit codes besides NSIS's own (0 done, 1 cancelled, 2 aborted): 4 when Daftar is running,
; 5 when the chosen folder holds other files. The user's data (%LOCALAPPDATA%\Daftar) is
; never touched by an install or an upgrade; the uninstaller removes it, and the sync
; token and signing keys in Credential Manager, only when asked (the «remove my data»
; box, after a warning; or /REMOVEDATA with /S).

Unicode true
Target amd64-unicode
ManifestDPIAware true
ManifestSupportedOS all
RequestExecutionLevel user
!ifdef COMPRESSOR
  SetCompressor ${COMPRESSOR}
!else
  SetCompressor /SOLID lzma
  SetCompressorDictSize 32
!endif
SetDatablockOptimize on

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include WordFunc.nsh
!include nsDialogs.nsh
!include ${FILES_NSH}

!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Daftar"
!define RUNNING_MUTEX "Local\Daftar.Running"
!define SHORTCUT_NAME "دفتر"
!define PUBLISHER "وزارت تعاون، کار و رفاه اجتماعی"
!define EXIT_RUNNING 4
!define EXIT_FOREIGN_FOLDER 5

Name "$(ProductName)"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\Daftar"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "Daftar ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

!ifdef SIGN_COMMAND
  !finalize '${SIGN_COMMAND} "%1"' = 0
  !uninstfinalize '${SIGN_COMMAND} "%1"' = 0
!endif

Var RemoveData
Var DataCheckbox

; --- pages ----------------------------------------------------------------------------
!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_WELCOMEFINISHPAGE_BITMAP "${WELCOME_BITMAP}"
!define MUI_UNWELCOMEFINISHPAGE_BITMAP "${WELCOME_BITMAP}"
!define MUI_ABORTWARNING
!define MUI_LANGDLL_ALLLANGUAGES
!define MUI_LANGDLL_WINDOWTITLE "دفتر — Daftar"
!define MUI_LANGDLL_INFO "زبان برنامهٔ نصب را انتخاب کنید.$\r$\nChoose the setup's language."
!define MUI_LANGDLL_REGISTRY_ROOT HKCU
!define MUI_LANGDLL_REGISTRY_KEY "Software\Daftar\Installer"
!define MUI_LANGDLL_REGISTRY_VALUENAME "Language"

!define MUI_WELCOMEPAGE_TEXT "$(WelcomeText)"
!insertmacro MUI_PAGE_WELCOME
!define MUI_PAGE_HEADER_TEXT "$(NoticeTitle)"
!define MUI_PAGE_HEADER_SUBTEXT "$(NoticeSubtitle)"
!define MUI_LICENSEPAGE_BUTTON "$(^NextBtn)"
!define MUI_LICENSEPAGE_TEXT_TOP "$(NoticeTop)"
!define MUI_LICENSEPAGE_TEXT_BOTTOM "$(NoticeBottom)"
!insertmacro MUI_PAGE_LICENSE "$(NoticeFile)"
!define MUI_PAGE_CUSTOMFUNCTION_LEAVE DirectoryLeave
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\daftar.exe"
!define MUI_FINISHPAGE_RUN_TEXT "$(RunDaftar)"
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
UninstPage custom un.DataPage un.DataPageLeave
!insertmacro MUI_UNPAGE_INSTFILES

; Persian first: the default when Windows' language is neither.
!insertmacro MUI_LANGUAGE "Farsi"
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_RESERVEFILE_LANGDLL

LicenseLangString NoticeFile ${LANG_FARSI} "${NOTICE_FA}"
LicenseLangString NoticeFile ${LANG_ENGLISH} "${NOTICE_EN}"

; --- strings --------------------------------------------------------------------------
LangString ProductName ${LANG_FARSI} "دفتر"
LangString ProductName ${LANG_ENGLISH} "Daftar"
LangString WelcomeText ${LANG_FARSI} "این برنامه دفتر ${VERSION} را روی این رایانه و فقط برای کاربر کنونی نصب می‌کند؛ به اجازهٔ مدیر سیستم نیازی نیست.$\r$\n$\r$\nاگر نسخهٔ دیگری از دفتر نصب است، جایگزین می‌شود و داده‌های شما (پایگاه داده، پشتیبان‌ها و تنظیمات) دست‌نخورده می‌ماند.$\r$\n$\r$\n$_CLICK"
LangString WelcomeText ${LANG_ENGLISH} "This installs Daftar ${VERSION} on this computer, for the current user only; no administrator rights are needed.$\r$\n$\r$\nAn installed version of Daftar is replaced; your data (database, backups, settings) is kept as it is.$\r$\n$\r$\n$_CLICK"
LangString NoticeTitle ${LANG_FARSI} "نرم‌افزارهای همراه دفتر"
LangString NoticeTitle ${LANG_ENGLISH} "Software included with Daftar"
LangString NoticeSubtitle ${LANG_FARSI} "دفتر با این نرم‌افزارهای آزاد کار می‌کند؛ پذیرفتن چیزی لازم نیست."
LangString NoticeSubtitle ${LANG_ENGLISH} "Daftar runs on this free software; there is nothing to accept."
LangString NoticeTop ${LANG_FARSI} "دفتر و نرم‌افزارهای آزادی که همراه آن نصب می‌شوند:"
LangString NoticeTop ${LANG_ENGLISH} "Daftar and the free software installed with it:"
LangString NoticeBottom ${LANG_FARSI} "متن کامل مجوزها در پوشهٔ licences در محل نصب است."
LangString NoticeBottom ${LANG_ENGLISH} "The full licence texts are in the licences folder of the installation."
LangString RunDaftar ${LANG_FARSI} "اجرای دفتر"
LangString RunDaftar ${LANG_ENGLISH} "Start Daftar"
LangString DaftarIsRunning ${LANG_FARSI} "دفتر باز است. پیش از ادامه، همهٔ پنجره‌های دفتر را ببندید و «تلاش دوباره» را بزنید."
LangString DaftarIsRunning ${LANG_ENGLISH} "Daftar is open. Close every Daftar window, then choose Retry."
LangString ForeignFolder ${LANG_FARSI} "این پوشه خالی نیست و دفتر در آن نصب نشده است. یک پوشهٔ خالی یا پوشهٔ نصب دفتر را انتخاب کنید."
LangString ForeignFolder ${LANG_ENGLISH} "This folder is not empty and holds no Daftar installation. Choose an empty folder, or the folder Daftar is installed in."
LangString NewerInstalled ${LANG_FARSI} "نسخهٔ تازه‌تری از دفتر ($0) نصب است. آن را با نسخهٔ ${VERSION} جایگزین می‌کنید؟"
LangString NewerInstalled ${LANG_ENGLISH} "A newer Daftar ($0) is installed. Replace it with version ${VERSION}?"
LangString DataPageTitle ${LANG_FARSI} "داده‌های شما"
LangString DataPageTitle ${LANG_ENGLISH} "Your data"
LangString DataPageSubtitle ${LANG_FARSI} "برنامه حذف می‌شود؛ داده‌ها فقط اگر بخواهید."
LangString DataPageSubtitle ${LANG_ENGLISH} "The program is removed; the data only if you ask."
LangString DataPageText ${LANG_FARSI} "پایگاه دادهٔ دفتر، پشتیبان‌ها، گزارش‌های کار و تنظیمات در این پوشه (و توکن همگام‌سازی و کلیدهای امضا در Credential Manager ویندوز) نگه داشته می‌شوند تا اگر دفتر را دوباره نصب کنید، همه چیز سر جایش باشد:$\r$\n$LOCALAPPDATA\Daftar"
LangString DataPageText ${LANG_ENGLISH} "Daftar's database, backups, logs and settings are kept in this folder (and the sync token and signing keys in Windows Credential Manager), so that everything is still there if Daftar is installed again:$\r$\n$LOCALAPPDATA\Daftar"
LangString DataPageCheckbox ${LANG_FARSI} "داده‌های من را هم پاک کن (برگشت‌پذیر نیست)"
LangString DataPageCheckbox ${LANG_ENGLISH} "Also remove my data (this cannot be undone)"
LangString DataRemoveWarning ${LANG_FARSI} "همهٔ مجوزها، دارندگان، پشتیبان‌ها، رویدادها و پشتیبان‌گیری‌های این رایانه برای همیشه پاک می‌شوند. اگر رونوشتی از پشتیبان‌ها جای دیگری ندارید، «خیر» را بزنید.$\r$\n$\r$\nداده‌ها پاک شوند؟"
LangString DataRemoveWarning ${LANG_ENGLISH} "Every licence, holder, supporter, event and backup on this computer will be deleted for good. If you have no copy of the backups elsewhere, choose No.$\r$\n$\r$\nDelete the data?"

VIProductVersion "${VERSION_QUAD}"
VIFileVersion "${VERSION_QUAD}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "Daftar"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "Daftar"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "Daftar ${VERSION} setup"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "Daftar"

; --- checks shared by the installer and the uninstaller -------------------------------
!macro DAFTAR_CHECK_RUNNING un
Function ${un}CheckRunning
  retry:
    ; SYNCHRONIZE access; a handle means a launcher of Daftar is running.
    System::Call 'kernel32::OpenMutexW(i 0x00100000, i 0, w "${RUNNING_MUTEX}") p .r0'
    ${If} $0 != 0
      System::Call 'kernel32::CloseHandle(p r0)'
      IfSilent +2
        MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "$(DaftarIsRunning)" IDRETRY retry
      SetErrorLevel ${EXIT_RUNNING}
      Quit
    ${EndIf}
FunctionEnd
!macroend
!insertmacro DAFTAR_CHECK_RUNNING ""
!insertmacro DAFTAR_CHECK_RUNNING "un."

; --- installer ------------------------------------------------------------------------
Function .onInit
  SetShellVarContext current
  !insertmacro MUI_LANGDLL_DISPLAY
  Call CheckRunning
  ReadRegStr $0 HKCU "${UNINSTALL_KEY}" "DisplayVersion"
  ${If} $0 != ""
    ${VersionCompare} "$0" "${VERSION}" $1
    ${If} $1 == 1
      IfSilent +3
        MessageBox MB_YESNO|MB_ICONQUESTION "$(NewerInstalled)" IDYES +2
        Quit
    ${EndIf}
  ${EndIf}
  IfSilent 0 +2
    Call CheckFolder
FunctionEnd

; Only an empty (or new) folder or a Daftar installation: a Daftar upgrade removes the
; program's own folders there, and nothing may be removed from someone else's folder.
Function CheckFolder
  IfFileExists "$INSTDIR\daftar.exe" done
  ${DirState} "$INSTDIR" $0
  ${If} $0 == 1
    IfSilent 0 +3
      SetErrorLevel ${EXIT_FOREIGN_FOLDER}
      Quit
    MessageBox MB_OK|MB_ICONEXCLAMATION "$(ForeignFolder)"
    Abort
  ${EndIf}
  done:
FunctionEnd

Function DirectoryLeave
  Call CheckFolder
FunctionEnd

Section "Daftar" SectionDaftar
  SectionIn RO
  SetShellVarContext current
  ; An upgrade: the previous version's program files go first (never the user's data).
  !insertmacro DAFTAR_REMOVE_PROGRAM
  !insertmacro DAFTAR_INSTALL_FILES
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; Shortcuts start in Documents, where the file dialogs then open.
  SetOutPath "$DOCUMENTS"
  CreateShortcut "$SMPROGRAMS\${SHORTCUT_NAME}.lnk" "$INSTDIR\daftar.exe" "" "$INSTDIR\daftar.exe" 0
  CreateShortcut "$DESKTOP\${SHORTCUT_NAME}.lnk" "$INSTDIR\daftar.exe" "" "$INSTDIR\daftar.exe" 0

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${SHORTCUT_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\daftar.exe,0"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" ${INSTALLED_KB}
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  SetOutPath "$INSTDIR"
SectionEnd

; --- uninstaller ----------------------------------------------------------------------
Function un.onInit
  SetShellVarContext current
  !insertmacro MUI_UNGETLANGUAGE
  Call un.CheckRunning
  StrCpy $RemoveData 0
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} "$0" "/REMOVEDATA" $1
  ${IfNot} ${Errors}
    StrCpy $RemoveData 1
  ${EndIf}
FunctionEnd

Function un.DataPage
  !insertmacro MUI_HEADER_TEXT "$(DataPageTitle)" "$(DataPageSubtitle)"
  nsDialogs::Create 1018
  Pop $0
  nsDialogs::SetRTL $(^RTL) ; right to left in Persian, like the MUI pages
  ${NSD_CreateLabel} 0 0 100% 64u "$(DataPageText)"
  Pop $0
  ${NSD_CreateCheckbox} 0 72u 100% 14u "$(DataPageCheckbox)"
  Pop $DataCheckbox
  ${If} $RemoveData == 1
    ${NSD_Check} $DataCheckbox
  ${EndIf}
  nsDialogs::Show
FunctionEnd

Function un.DataPageLeave
  ${NSD_GetState} $DataCheckbox $0
  ${If} $0 == ${BST_CHECKED}
    MessageBox MB_YESNO|MB_ICONEXCLAMATION|MB_DEFBUTTON2 "$(DataRemoveWarning)" IDYES +2
      Abort
    StrCpy $RemoveData 1
  ${Else}
    StrCpy $RemoveData 0
  ${EndIf}
FunctionEnd

Section "Uninstall"
  SetShellVarContext current
  ${If} $RemoveData == 1
    ; The sync token and the signing keys are in Windows Credential Manager, not in the
    ; data folder: the installed Python forgets them (lib\daftar_uninstall.py) first.
    nsExec::ExecToLog '"$INSTDIR\python\python.exe" -X utf8 -m daftar_uninstall'
    Pop $0
  ${EndIf}
  !insertmacro DAFTAR_REMOVE_PROGRAM
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${SHORTCUT_NAME}.lnk"
  Delete "$DESKTOP\${SHORTCUT_NAME}.lnk"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "Software\Daftar\Installer"
  ${If} $RemoveData == 1
    DetailPrint "$LOCALAPPDATA\Daftar"
    RMDir /r "$LOCALAPPDATA\Daftar"
  ${EndIf}
SectionEnd
