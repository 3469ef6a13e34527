"""Reading and writing spreadsheets (.xlsx and .csv): the one file layer every import,
export, template and report uses (sheetfile), formulas never let through."""
