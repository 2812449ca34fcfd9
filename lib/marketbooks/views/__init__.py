"""What the notebooks show: the house chart style (:mod:`.charts`), tables and their files
(:mod:`.tables`), each workbook's figures and the landing page."""
