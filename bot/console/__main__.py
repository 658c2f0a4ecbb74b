"""`python -m bot.console serve | add-user NAME [--role reviewer] | set-role NAME ROLE | reset-password NAME |
remove-user NAME | list-users`. A "reviewer" also labels conversations on the console's review page.

serve reads CONSOLE_HOST (127.0.0.1), CONSOLE_PORT (5080), RASA_URL, RASA_API_TOKEN, DATABASE_URL and
CONSOLE_SECRET. Passwords come from a prompt, or from the first line of stdin when it is not a terminal
(for scripts and tests); they are never taken from the command line, where other users could see them.
"""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys

from bot.console import auth


def read_password(confirm: bool = True) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password (at least %d characters): " % auth.MIN_PASSWORD)
    if confirm and getpass.getpass("The same password again: ") != password:
        raise auth.AccountError("the two passwords are different")
    return password


def serve() -> int:
    from aiohttp import web

    from bot.console.app import create_app
    from bot.core.privacy import install_log_masking

    logging.basicConfig(level=logging.INFO, format="%(asctime)s console %(levelname)s %(message)s")
    install_log_masking()
    host = os.environ.get("CONSOLE_HOST", "127.0.0.1")
    try:
        port = int(os.environ.get("CONSOLE_PORT", "5080"))
    except ValueError:
        print("error: CONSOLE_PORT must be a port number", file=sys.stderr)
        return 2
    try:
        users = auth.list_users()
    except Exception as exc:
        print(f"error: the console cannot read its tables ({type(exc).__name__}). Run 'make migrate' and check "
              "DATABASE_URL.", file=sys.stderr)
        return 1
    if not users:
        print("note: there are no staff accounts yet: create one with 'make staff-user' "
              "(or .venv/bin/python -m bot.console add-user NAME).", file=sys.stderr)
    if not os.environ.get("RASA_API_TOKEN"):
        print("warning: RASA_API_TOKEN is not set: the console cannot show conversations or reply.", file=sys.stderr)
    if not os.environ.get("CONSOLE_SECRET"):
        logging.getLogger(__name__).info("CONSOLE_SECRET is not set: staff sign in again after a restart")
    web.run_app(create_app(), host=host, port=port, print=lambda _: print(
        f"Staff console on http://{host}:{port}/", flush=True), access_log=None)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.console", description="The staff console.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="start the console web server")
    for name, text in (("add-user", "create a staff account"), ("reset-password", "set a new password"),
                       ("remove-user", "delete a staff account and sign it out")):
        command = sub.add_parser(name, help=text)
        command.add_argument("username")
        if name == "add-user":
            command.add_argument("--role", default="staff", choices=auth.ROLES,
                                 help="reviewer: may also label conversations on the review page")
    role = sub.add_parser("set-role", help="make an account staff or reviewer")
    role.add_argument("username")
    role.add_argument("role", choices=auth.ROLES)
    sub.add_parser("list-users", help="list staff accounts")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve()
    try:
        if args.command == "add-user":
            name = auth.check_username(args.username)
            auth.add_user(name, read_password(), role=args.role)
            print(f"account {name!r} created" + (" (reviewer)" if args.role == "reviewer" else ""))
        elif args.command == "set-role":
            auth.set_role(args.username, args.role)
            print(f"{args.username!r} is now {args.role}")
        elif args.command == "reset-password":
            name = auth.check_username(args.username)
            auth.set_password(name, read_password())
            print(f"new password set for {name!r}; its sessions were ended")
        elif args.command == "remove-user":
            if not auth.remove_user(args.username):
                print(f"error: there is no account called {args.username!r}", file=sys.stderr)
                return 1
            print(f"account {args.username!r} removed")
        else:
            for name in auth.list_users():
                print(name)
    except auth.AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # one clear line, not a traceback
        print(f"error: could not reach the staff accounts ({type(exc).__name__}). Run 'make migrate' and check "
              "DATABASE_URL.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
