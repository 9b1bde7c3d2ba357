"""The use cases: every change the service makes, written once, called by both the HTTP routes
(api/routes) and the CLI (api/cli.py).

A use case takes the app state (`api.state.AppState`), who acts (`api.auth.Principal` for a
request, a plain name such as "cli" for the command line) and plain arguments. It checks what
the domain cannot (existence, conflicts), works the change out with the domain's planning
functions (`plan_*`: graph.lifecycle, taxonomy.editing, taxonomy.goal_mapping, loaders.people,
...), adds its audit entry, and writes everything as ONE apply through
`state.write_plan(plan)` (the plan runs under the app's write lock, so its reads see every
earlier write and nothing comes between them and the apply): the change and its audit entry
are both written or neither is.

Routes do access checks, validate the request and shape the response; CLI commands parse
arguments and print. Neither composes store ops or writes audit entries itself.
"""
