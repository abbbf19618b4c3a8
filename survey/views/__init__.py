"""Blueprints, one per user group, and the error pages."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import (  # noqa: F401 -- audit_log and builder_bulk add their routes to the admin and planner blueprints
        actors,
        admin,
        audit_log,
        auth,
        behalf,
        builder_bulk,
        builder_conditions,
        builder_options,
        coding,
        errors,
        health,
        invitations,
        lifecycle,
        mailbox,
        paper,
        partners,
        planner,
        public,
        respond,
        results,
        start,
        test_run,
        waves,
    )

    app.register_blueprint(auth.bp)
    app.register_blueprint(start.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(planner.bp)
    app.register_blueprint(builder_conditions.bp)
    app.register_blueprint(paper.bp)
    app.register_blueprint(invitations.bp)
    app.register_blueprint(actors.bp)
    app.register_blueprint(respond.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(respond.admin_bp)
    app.register_blueprint(behalf.bp)
    behalf.register(app)  # after respond.bp: the planner's rules of its endpoints
    app.register_blueprint(results.bp)
    app.register_blueprint(mailbox.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(waves.bp)
    app.register_blueprint(test_run.bp)
    app.register_blueprint(builder_options.bp)
    app.register_blueprint(partners.bp)
    app.register_blueprint(partners.respondent_bp)
    app.register_blueprint(coding.bp)
    app.register_blueprint(lifecycle.bp)
    errors.register(app)
    from . import edit_conflicts

    app.add_template_global(edit_conflicts.edit_version)
