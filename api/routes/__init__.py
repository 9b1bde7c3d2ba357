"""One APIRouter per resource; handlers validate, call the domain and shape the response."""
