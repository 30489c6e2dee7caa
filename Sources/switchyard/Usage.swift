/// Top-level `switchyard --help`.
enum Usage {
    static let text = """
    switchyard — an OpenAI-compatible LLM router

    USAGE:
      switchyard serve [flags]            run the router (no models config: demo with embedded mock upstreams)
      switchyard mock [flags]             run the mock LLM server (OpenAI, Ollama, vLLM metrics)
      switchyard check-config [FILE]      validate the models config and the prompt library; lists every problem
      switchyard health --url URL         exit 0 if URL answers 200 (for container health checks)
      switchyard version                  print the version

    Run `switchyard serve --help` or `switchyard mock --help` for their flags and environment variables.

    EXIT CODES:
      0 success · 1 runtime error · 2 invalid configuration or usage (never restarted) · 3 cannot bind the address
    """
}
