"""Request/response models at the API boundary: XCreate / XUpdate / XPublic / XsPublic."""
