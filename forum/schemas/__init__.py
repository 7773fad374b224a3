"""marshmallow schemas: the API's inputs and outputs."""
