"""The facility screens: the case list «تسهیلات» (screen), a case's form with its stage
moves (case_dialog), the office's facility settings (settings_dialog) and the list's
table model (models)."""
