"""Flask extensions, created unbound and bound in create_app."""

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from forum.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
