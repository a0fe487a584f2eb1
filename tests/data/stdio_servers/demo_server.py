"""A small SDK stdio server for the introspector's tests.

Usage: ``python demo_server.py [PID_FILE [hang]]``. With PID_FILE it first (before
importing the SDK) starts a child process that sleeps and writes "<own pid>
<child pid>" to PID_FILE, so a test can check that both are gone afterwards, or
that nothing was started at all. With ``hang`` it never serves: it sleeps
until it is killed. The ``environment`` tool's description names the
environment variables the server was given.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

if len(sys.argv) > 1:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    Path(sys.argv[1]).write_text(f"{os.getpid()} {child.pid}")
    if sys.argv[2:] == ["hang"]:
        time.sleep(120)

from mcp.server.mcpserver import MCPServer  # after the pid file, on purpose

server = MCPServer(name="stdio-demo", version="0.4.2", instructions="Local demo.")


@server.tool(title="Adder")
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


@server.tool(description="Environment: " + ",".join(sorted(os.environ)))
def environment() -> str:
    return ""


@server.resource("memo://today", name="today", description="Today's memo", mime_type="text/plain")
def today() -> str:
    return "nothing"


@server.prompt(description="Summarise a text")
def summarise(text: str, style: str = "short") -> str:
    return f"Summarise ({style}): {text}"


print("demo server starting", file=sys.stderr, flush=True)
server.run("stdio")
