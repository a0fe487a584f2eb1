"""One run's LLM analysis: the model, its token budget, its rate, and what was said about it.

A :class:`Judge` is made for each run's registry, so nothing it counts leaks
from one run into the next. Its ``analyse`` is the analyser's ``run``, called
on an L4 thread (``HawkEye-AI_N``) for each inventoried server; the state it
shares between those threads (the budget, the counters, the disclosure) is
behind one lock, never held while the model is asked.

Each request goes through, in order: the run's cache (the same prompt to the
same model is asked once per run), the token budget (a request whose estimate
does not fit in what is left is not sent), the model's rate limit, and a
circuit breaker for the model (a provider that keeps failing is left alone;
what was found so far is kept). Before the first request the run says, on
standard error, what is sent and where.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from attrs import define

from hawkeye_analyse_llm.answer import AnswerError, Judgement, complete, parse_answer
from hawkeye_analyse_llm.model import (
    Reply,
    ask,
    context_overflow,
    estimate_tokens,
    is_reasoning_model,
    model_origin,
    one_at_a_time,
    provider_fault,
    takes_max_tokens,
)
from hawkeye_analyse_llm.render import (
    MAX_REQUEST_CHARS,
    MAX_REQUESTS,
    SENT_FIELDS,
    SYSTEM_PROMPT,
    Batch,
    plan_requests,
    user_prompt,
)
from hawkeye_core import (
    CallContext,
    CallProblem,
    CircuitBreaker,
    CircuitOpenError,
    Finding,
    Location,
    RateLimiter,
    ServerInventory,
    Settings,
)
from hawkeye_core import load_ai_model as load_model

if TYPE_CHECKING:
    import llm

__all__ = [
    "ANSWER_TOKENS",
    "MAX_ANSWER_CHARS",
    "MAX_SPLIT_REQUESTS",
    "REASONING_ANSWER_TOKENS",
    "AnswerUnusable",
    "BudgetSpent",
    "ContextOverflow",
    "Judge",
    "ModelBusy",
    "ModelFailed",
    "ModelRefused",
    "NotJudged",
    "reservation",
]

MAX_ANSWER_CHARS = 32_768  # characters of an answer that are read
ANSWER_TOKENS = 2_000  # tokens reserved for each answer (and asked for, where the model takes it)
REASONING_ANSWER_TOKENS = 8_000  # the same for reasoning models: their reasoning counts too
#: Requests for one server once those over the model's context window are split in two.
MAX_SPLIT_REQUESTS = 2 * MAX_REQUESTS
_CACHE_TTL = 3_600.0  # seconds; a run's cache is dropped with the run anyway
_CACHE_NAMESPACE = "hawkeye_analyse_llm"


class NotJudged(CallProblem):
    """Part of a server was not judged, through no fault of the analyser (see CallProblem)."""


class BudgetSpent(NotJudged):
    """The run's token budget has no room for this request; it was not sent."""


class AnswerUnusable(NotJudged):
    """The model answered, but part of the server could not be judged from its answer."""


class ModelRefused(NotJudged):
    """The provider refused this request (a 4xx such as a content filter), not every request."""


class ContextOverflow(ModelRefused):
    """The request is larger than the model's context window (it may fit once split)."""


class ModelBusy(NotJudged):
    """A model asked one request at a time was busy with others until this call's deadline."""


class ModelFailed(RuntimeError):
    """The model could not be asked (an error of the provider, or its breaker is open)."""


def answer_tokens(model: llm.Model) -> int:
    """Tokens an answer of ``model`` may cost: what it is told, or all that is ever read."""
    if not takes_max_tokens(model):
        return MAX_ANSWER_CHARS  # a token a character at worst: nothing bounds it but the read
    return REASONING_ANSWER_TOKENS if is_reasoning_model(model) else ANSWER_TOKENS


def reservation(model: llm.Model, prompt: str) -> int:
    """The tokens reserved for asking ``model`` ``prompt``: its estimate and the answer's."""
    return estimate_tokens(SYSTEM_PROMPT) + estimate_tokens(prompt) + answer_tokens(model)


@define
class Tally:
    """What the run asked of the model, for the closing line."""

    requests: int = 0
    cached: int = 0
    failed: int = 0
    tokens: int = 0
    estimated: bool = False  # some usage was estimated (the provider did not report it)
    servers: int = 0
    items: int = 0
    findings: int = 0
    dropped: int = 0  # answer entries that failed the checks
    refused: int = 0  # requests not sent: over the token budget
    held_back: int = 0  # requests not sent: the model's circuit breaker was open


class Judge:
    """The LLM analyser of one run (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._budget_freed = threading.Condition(self._lock)
        self._model: llm.Model | None = None
        self._origin = ""
        self._one_at_a_time: threading.Lock | None = None  # a local model's, see one_at_a_time
        self._disclosing = threading.Lock()  # held while the disclosure is written
        self._disclosed = threading.Event()  # set once it is written
        self._limiter: RateLimiter | None = None
        self.tally = Tally()
        self._reservations: dict[int, tuple[int, float]] = {}  # id -> (tokens, expires)
        self._ids = itertools.count()

    # -- the analyser ------------------------------------------------------------
    def wanted(self, inventory: ServerInventory) -> bool:
        """Judge ``inventory`` only with a model named and something of it to send."""
        if self.settings.ai_model is None:
            return False
        return bool(
            inventory.tools
            or inventory.prompts
            or inventory.resources
            or inventory.resource_templates
            or (inventory.instructions or "").strip()
        )

    def analyse(self, inventory: ServerInventory, ctx: CallContext) -> Iterator[Finding]:
        """Ask the model about ``inventory``; yield its checked judgements as findings.

        Raises (one line, after yielding what was found) when part of the server
        was not judged: the budget was spent, the model failed, an answer was
        not usable, the server had more than ``MAX_REQUESTS`` requests' worth, or
        items did not fit the model's context window even when asked in halves
        (at most ``MAX_SPLIT_REQUESTS`` requests).
        """
        plan = plan_requests(inventory)
        if not plan.batches:
            return
        model = self.model()
        breaker = ctx.breakers.get(f"{ctx.plugin}:model:{model.model_id}")
        server = inventory.ref.label
        problems: list[str] = []
        queue = list(plan.batches)
        overflowed: list[str] = []  # why items were not judged: over the context window
        number = 0
        answered = False  # the server is counted once, at its first answer
        while queue:
            batch = queue.pop(0)
            number += 1
            if ctx.stopped:
                problems.append(f"stopped before request {number} of {number + len(queue)}")
                break
            try:
                reply, asked = self._reply(model, batch, breaker, ctx)
            except ContextOverflow as exc:
                # Too large for this model: asked again in two halves, within a bound.
                half = len(batch.items) // 2
                if half and number + len(queue) + 2 <= MAX_SPLIT_REQUESTS:
                    queue[:0] = [
                        Batch(server=batch.server, items=batch.items[:half]),
                        Batch(server=batch.server, items=batch.items[half:]),
                    ]
                else:
                    overflowed += [str(exc)] * len(batch.items)
                continue
            except (NotJudged, ModelFailed) as exc:
                left = len(queue)
                later = f" ({left} more request{'s' if left != 1 else ''} not sent)" if left else ""
                raise type(exc)(f"{exc}{later}") from None
            with self._lock:
                if not answered:
                    self.tally.servers += 1
                answered = True
                if asked:  # items answered from the cache were not sent again
                    self.tally.items += len(batch.items)
            if reply.cut:
                problems.append(
                    f"request {number}: the answer is over {MAX_ANSWER_CHARS:,} characters; "
                    "not read"
                )
                continue
            try:
                judgements, dropped = parse_answer(reply.text, batch)
            except AnswerError as exc:
                problems.append(f"request {number}: {exc}")
                continue
            for reason in dropped:
                ctx.log.info("%s: %s: dropped: %s", model.model_id, server, reason)
            with self._lock:
                self.tally.dropped += len(dropped)
                self.tally.findings += len(judgements)
            for judgement in judgements:
                yield self._finding(judgement, server, model.model_id)
        if overflowed:
            many = len(overflowed) != 1
            problems.append(
                f"{len(overflowed)} item{'s' if many else ''} not judged: "
                f"{'their requests are' if many else 'its request is'} larger than the "
                f"model's context window ({overflowed[-1]})"
            )
        if plan.omitted:
            problems.append(
                f"{plan.omitted} item{'s' if plan.omitted != 1 else ''} not sent: over "
                f"{MAX_REQUESTS} requests of {MAX_REQUEST_CHARS:,} characters"
            )
        if problems:
            raise AnswerUnusable(f"model {model.model_id}: " + "; ".join(problems))

    # -- one request ---------------------------------------------------------------
    def model(self) -> llm.Model:
        """The run's model, found on first use."""
        with self._lock:
            if self._model is None:
                assert self.settings.ai_model is not None
                self._model = load_model(self.settings.ai_model)
                self._origin = model_origin(self._model)
                if one_at_a_time(self._model):
                    self._one_at_a_time = threading.Lock()
                self._limiter = RateLimiter(self.settings.ai_rate)
            return self._model

    def _reply(
        self, model: llm.Model, batch: Batch, breaker: CircuitBreaker, ctx: CallContext
    ) -> tuple[Reply, bool]:
        """The reply to ``batch``, and whether it was asked (False: from the run's cache)."""
        prompt = user_prompt(batch)
        digest = hashlib.sha256(f"{SYSTEM_PROMPT}\0{prompt}".encode()).hexdigest()
        key = (_CACHE_NAMESPACE, model.model_id, digest)
        asked: list[bool] = []
        request = functools.partial(self._request, model, prompt, breaker, ctx, asked)
        try:
            # Waiting for another call asking the same: never past this call's deadline.
            reply: Reply = ctx.cache.get_or_set(
                key, request, ttl=_CACHE_TTL, timeout=ctx.remaining()
            )
        except TimeoutError:
            raise NotJudged(
                f"model {model.model_id}: the same texts were being asked for another server, "
                "with no answer before this call's deadline"
            ) from None
        if not asked:
            with self._lock:
                self.tally.cached += 1
            ctx.count("ai_cache_hits")
        return reply, bool(asked)

    def _request(
        self,
        model: llm.Model,
        prompt: str,
        breaker: CircuitBreaker,
        ctx: CallContext,
        asked: list[bool],
    ) -> Reply:
        """Ask the model, within the budget, the rate and the breaker (a cache miss)."""
        asked.append(True)
        reserve = reservation(model, prompt)
        ticket = self._reserve(reserve, ctx.deadline)
        reply: Reply | None = None
        turn = self._one_at_a_time
        # Given up a little before the deadline, so the call says why it ends.
        wait = ctx.remaining() - min(2.0, ctx.remaining() / 10)
        if turn is not None and not turn.acquire(timeout=max(0.0, wait)):
            self._settle(ticket, None)
            raise ModelBusy(
                f"model {model.model_id} is asked one request at a time (a local model) and "
                "was busy with other servers until this call's deadline (raise the L4 deadline)"
            )
        try:
            assert self._limiter is not None
            if not self._limiter.acquire(timeout=ctx.remaining()):
                raise ModelFailed(
                    f"--ai-rate {self.settings.ai_rate:g}/s leaves no time to ask the model "
                    "before this call's deadline"
                )
            try:
                with breaker.guard() as permit:
                    self._disclose(model)
                    ctx.count("ai_requests")
                    try:
                        reply = ask(
                            model,
                            SYSTEM_PROMPT,
                            prompt,
                            max_chars=MAX_ANSWER_CHARS,
                            max_output_tokens=answer_tokens(model),
                            timeout=ctx.remaining(),
                            complete=complete,
                        )
                    except Exception as exc:
                        if not provider_fault(exc):
                            permit.success()  # it answered: this request, not the model, is refused
                        raise
            except CircuitOpenError as exc:
                with self._lock:
                    self.tally.held_back += 1
                raise ModelFailed(
                    f"model {model.model_id} keeps failing; not asked ({exc})"
                ) from None
            except Exception as exc:
                with self._lock:
                    self.tally.failed += 1
                message = " ".join(str(exc).split())[:300] or "no message"
                failed = type(exc).__name__
                if context_overflow(exc):
                    raise ContextOverflow(f"{failed}: {message}") from None
                if not provider_fault(exc):
                    raise ModelRefused(
                        f"model {model.model_id} refused the request: {failed}: {message}"
                    ) from None
                raise ModelFailed(f"model {model.model_id} failed: {failed}: {message}") from None
        finally:
            if turn is not None:
                turn.release()
            self._settle(ticket, reply)
        return reply

    def _reserve(self, tokens: int, deadline: float) -> int:
        """Reserve ``tokens`` of the budget until ``deadline``; the reservation's id.

        Waits while requests in flight hold what this one needs; raises
        :class:`BudgetSpent` when what is spent leaves no room for it. A
        reservation is dropped at its call's deadline, so a call abandoned in a
        hung request does not hold the budget for the rest of the run.
        """
        limit = self.settings.ai_max_tokens
        with self._lock:
            while True:
                now = time.monotonic()
                for ticket, (_, expires) in list(self._reservations.items()):
                    if expires <= now:
                        del self._reservations[ticket]
                reserved = sum(held for held, _ in self._reservations.values())
                left = limit - self.tally.tokens - reserved
                if tokens <= left:
                    ticket = next(self._ids)
                    self._reservations[ticket] = (tokens, deadline)
                    return ticket
                if not reserved or tokens > limit - self.tally.tokens or now >= deadline:
                    self.tally.refused += 1
                    raise BudgetSpent(
                        f"not judged: the token budget (--ai-max-tokens {limit:,}) has "
                        f"{max(0, left):,} left and this request needs about {tokens:,}"
                    )
                soonest = min(expires for _, expires in self._reservations.values())
                self._budget_freed.wait(min(deadline, soonest) - now)

    def _settle(self, ticket: int, reply: Reply | None) -> None:
        """Free a reservation; count what the reply really cost (past the budget, it stops
        every later request)."""
        with self._lock:
            self._reservations.pop(ticket, None)
            if reply is not None:
                self.tally.requests += 1
                self.tally.tokens += reply.tokens
                self.tally.estimated |= not reply.counted
            self._budget_freed.notify_all()

    def _disclose(self, model: llm.Model) -> None:
        """Say once, before the first request, what is sent and where (even with -q).

        No request goes before the lines are written: the first thread writes
        them holding ``_disclosing``; the others wait for it, then for nothing.
        """
        if self._disclosed.is_set():
            return
        with self._disclosing:
            if self._disclosed.is_set():
                return
            with self._lock:
                origin = self._origin
            settings = self.settings
            self._say(
                f"ai: sending MCP server texts to model {model.model_id} ({origin}): one request "
                f"per server (more for large ones, each at most {MAX_REQUEST_CHARS:,} characters "
                f"of server text), up to {settings.ai_max_tokens:,} tokens in all, "
                f"{settings.ai_rate:g} request(s) per second"
            )
            self._say(f"ai: sent: {SENT_FIELDS}")
            self._disclosed.set()

    @staticmethod
    def _say(line: str) -> None:
        """One line on standard error, over the progress line if one is drawn there."""
        stream = sys.stderr
        prefix = "\r\033[K" if getattr(stream, "isatty", lambda: False)() else ""
        stream.write(f"{prefix}hawkeye: {line}\n")
        stream.flush()

    # -- results -------------------------------------------------------------------
    @staticmethod
    def _finding(judgement: Judgement, server: str, model_id: str) -> Finding:
        category = judgement.category
        evidence = judgement.evidence
        if judgement.reason:  # the model's own words: kept out of the title, and labelled
            evidence = f"{evidence} (the model's reason: {judgement.reason})"
        return Finding(
            rule_id=category.rule_id,
            severity=judgement.severity,
            confidence=judgement.confidence,
            title=category.title,
            evidence=evidence,
            location=Location.of_item(server, judgement.item.kind, judgement.item.original),
            remediation=category.remediation,
            cwe=category.cwe,
            owasp_mcp=category.owasp_mcp,
            judged_by=model_id,
        )

    def summary(self) -> str | None:
        """The closing line of the run: what was asked and spent; None if nothing was."""
        t = self.tally
        if not (t.servers or t.refused or t.failed or t.held_back):
            return None
        model = self._model.model_id if self._model is not None else self.settings.ai_model
        about = "about " if t.estimated else ""
        parts = [
            f"ai: model {model}: {t.servers} server(s), {t.items} item(s) sent",
            f"{t.requests} request(s), {t.cached} answered from the run's cache",
            f"{about}{t.tokens:,} of {self.settings.ai_max_tokens:,} tokens",
            f"{t.findings} finding(s)",
        ]
        if t.dropped:
            parts.append(f"{t.dropped} judgement(s) dropped (-v shows why)")
        if t.failed:
            parts.append(f"{t.failed} request(s) failed")
        if t.held_back:
            parts.append(f"{t.held_back} request(s) not sent: the model kept failing")
        if t.refused:
            parts.append(f"{t.refused} request(s) not sent: the token budget was spent")
        return ", ".join(parts)

    def report(self) -> None:
        """Write the closing line to standard error, if anything was asked."""
        line = self.summary()
        if line is not None:
            self._say(line)
