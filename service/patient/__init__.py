"""The patient's pages: questionnaire, result and handout, with their files."""
