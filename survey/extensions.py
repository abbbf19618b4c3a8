"""Unbound extension objects; `create_app` binds them to the app."""

from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations are stable on SQLite (batch mode) and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
# The models subclass `Model`: db.Model at run time (Flask-SQLAlchemy builds it from Base when `db` is
# made), and Base for the type checker, which sees db.Model only as an attribute, not as a class.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()
mail = Mail()
login = LoginManager()
login.login_view = "auth.login_page"
login.login_message = "Bitte melden Sie sich an, um diese Seite zu sehen."
login.login_message_category = "info"
