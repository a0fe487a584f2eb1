"""HawkEye's core: hooks, records, levels, concurrency primitives and the pipeline.

Plugins import only what this module exports.
"""

from hawkeye_core import store
from hawkeye_core._version import __version__
from hawkeye_core.calls import CallContext, CallProblem
from hawkeye_core.cli_ai import load_model as load_ai_model
from hawkeye_core.concurrency.aio import (
    AsyncBatch,
    OperationTimeout,
    gather_with_concurrency,
    run_sync,
    timeout_context,
)
from hawkeye_core.concurrency.batch import Backpressure, BatchProcessor, BatchResult
from hawkeye_core.concurrency.breaker import (
    BreakerRegistry,
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
)
from hawkeye_core.concurrency.cache import TTLCache
from hawkeye_core.concurrency.connpool import AsyncConnectionPool, ConnectionPool, PoolStats
from hawkeye_core.concurrency.counters import Stats
from hawkeye_core.concurrency.locks import (
    Allocation,
    LockTimeoutError,
    OrderedLocks,
    ResourceAllocator,
    ResourceTimeoutError,
)
from hawkeye_core.concurrency.monitor import (
    ResourceAlert,
    ResourceLimits,
    ResourceMonitor,
    ResourceSample,
)
from hawkeye_core.concurrency.ratelimit import KeyedRateLimiter, RateLimiter
from hawkeye_core.concurrency.workers import CallAbandoned, WorkerPool
from hawkeye_core.config import ConfigError, Settings, load_settings, parse_headers
from hawkeye_core.kinds import Analyser, Detector, Introspector, Reporter, Scanner
from hawkeye_core.levels import Level, LevelPool, LevelPools
from hawkeye_core.manager import PluginInfo, PluginManager, create_plugin_manager, hookimpl
from hawkeye_core.records import (
    AuthPosture,
    Endpoint,
    Finding,
    Location,
    Outcome,
    Prompt,
    PromptArgument,
    Resource,
    ResourceTemplate,
    ServerInfo,
    ServerInventory,
    ServerRef,
    Severity,
    Target,
    Tool,
)
from hawkeye_core.redact import is_marker, redact, redact_command, redact_env
from hawkeye_core.registry import Registered, Registry, RegistryError, collect_registry
from hawkeye_core.resources import (
    FDS_PER_PROCESS,
    MODEL_CALL,
    fd_budget,
    run_resources,
    scanner_fds,
)
from hawkeye_core.result import ScanResult, to_data
from hawkeye_core.runner import Run
from hawkeye_core.text import terminal_safe

__all__ = [
    "FDS_PER_PROCESS",
    "MODEL_CALL",
    "Allocation",
    "Analyser",
    "AsyncBatch",
    "AsyncConnectionPool",
    "AuthPosture",
    "Backpressure",
    "BatchProcessor",
    "BatchResult",
    "BreakerRegistry",
    "BreakerState",
    "CallAbandoned",
    "CallContext",
    "CallProblem",
    "CircuitBreaker",
    "CircuitOpenError",
    "ConfigError",
    "ConnectionPool",
    "Detector",
    "Endpoint",
    "Finding",
    "Introspector",
    "KeyedRateLimiter",
    "Level",
    "LevelPool",
    "LevelPools",
    "Location",
    "LockTimeoutError",
    "OperationTimeout",
    "OrderedLocks",
    "Outcome",
    "PluginInfo",
    "PluginManager",
    "PoolStats",
    "Prompt",
    "PromptArgument",
    "RateLimiter",
    "Registered",
    "Registry",
    "RegistryError",
    "Reporter",
    "Resource",
    "ResourceAlert",
    "ResourceAllocator",
    "ResourceLimits",
    "ResourceMonitor",
    "ResourceSample",
    "ResourceTemplate",
    "ResourceTimeoutError",
    "Run",
    "ScanResult",
    "Scanner",
    "ServerInfo",
    "ServerInventory",
    "ServerRef",
    "Settings",
    "Severity",
    "Stats",
    "TTLCache",
    "Target",
    "Tool",
    "WorkerPool",
    "__version__",
    "collect_registry",
    "create_plugin_manager",
    "fd_budget",
    "gather_with_concurrency",
    "hookimpl",
    "is_marker",
    "load_ai_model",
    "load_settings",
    "parse_headers",
    "redact",
    "redact_command",
    "redact_env",
    "run_resources",
    "run_sync",
    "scanner_fds",
    "store",
    "terminal_safe",
    "timeout_context",
    "to_data",
]
