/// Metrics pages as vLLM and SGLang serve them (shortened: histograms cut to a few buckets), for the parser tests.
enum MetricsPages {
    /// vLLM 0.10 (V1 engine): `kv_cache_usage_perc`, two models' series, histograms, `_created` samples.
    static let vllmV1 = """
    # HELP python_gc_objects_collected_total Objects collected during gc
    # TYPE python_gc_objects_collected_total counter
    python_gc_objects_collected_total{generation="0"} 12345.0
    # HELP vllm:num_requests_running Number of requests in model execution batches.
    # TYPE vllm:num_requests_running gauge
    vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 7.0
    vllm:num_requests_running{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 5.0
    # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
    # TYPE vllm:num_requests_waiting gauge
    vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 2.0
    vllm:num_requests_waiting{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.0
    # HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
    # TYPE vllm:kv_cache_usage_perc gauge
    vllm:kv_cache_usage_perc{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.5
    vllm:kv_cache_usage_perc{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.25
    # HELP vllm:prefix_cache_queries_total Prefix cache queries, in terms of number of queried tokens.
    # TYPE vllm:prefix_cache_queries_total counter
    vllm:prefix_cache_queries_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 4096.0
    # HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
    # TYPE vllm:time_to_first_token_seconds histogram
    vllm:time_to_first_token_seconds_bucket{engine="0",le="0.001",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
    vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="meta-llama/Llama-3.1-8B-Instruct"} 12.0
    vllm:time_to_first_token_seconds_count{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 12.0
    vllm:time_to_first_token_seconds_sum{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.5
    vllm:time_to_first_token_seconds_created{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7e+09

    """

    /// vLLM 0.6 (V0 engine): `gpu_cache_usage_perc`, one model, the swapped gauge.
    static let vllmV0 = """
    # HELP vllm:num_requests_running Number of requests currently running on GPU.
    # TYPE vllm:num_requests_running gauge
    vllm:num_requests_running{model_name="Qwen/Qwen2.5-7B-Instruct"} 3.0
    # HELP vllm:num_requests_swapped Number of requests swapped to CPU.
    # TYPE vllm:num_requests_swapped gauge
    vllm:num_requests_swapped{model_name="Qwen/Qwen2.5-7B-Instruct"} 0.0
    # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
    # TYPE vllm:num_requests_waiting gauge
    vllm:num_requests_waiting{model_name="Qwen/Qwen2.5-7B-Instruct"} 4.0
    # HELP vllm:gpu_cache_usage_perc GPU KV-cache usage. 1 means 100 percent usage.
    # TYPE vllm:gpu_cache_usage_perc gauge
    vllm:gpu_cache_usage_perc{model_name="Qwen/Qwen2.5-7B-Instruct"} 0.875
    # HELP vllm:cpu_cache_usage_perc CPU KV-cache usage. 1 means 100 percent usage.
    # TYPE vllm:cpu_cache_usage_perc gauge
    vllm:cpu_cache_usage_perc{model_name="Qwen/Qwen2.5-7B-Instruct"} 0.0

    """

    /// SGLang: `sglang:` gauges with a `model_name` label.
    static let sglang = """
    # HELP sglang:num_running_reqs The number of running requests.
    # TYPE sglang:num_running_reqs gauge
    sglang:num_running_reqs{model_name="deepseek-ai/DeepSeek-V3"} 9.0
    # HELP sglang:num_used_tokens The number of used tokens.
    # TYPE sglang:num_used_tokens gauge
    sglang:num_used_tokens{model_name="deepseek-ai/DeepSeek-V3"} 81234.0
    # HELP sglang:token_usage The token usage.
    # TYPE sglang:token_usage gauge
    sglang:token_usage{model_name="deepseek-ai/DeepSeek-V3"} 0.62
    # HELP sglang:num_queue_reqs The number of requests in the waiting queue.
    # TYPE sglang:num_queue_reqs gauge
    sglang:num_queue_reqs{model_name="deepseek-ai/DeepSeek-V3"} 6.0
    # HELP sglang:gen_throughput The generation throughput (token/s).
    # TYPE sglang:gen_throughput gauge
    sglang:gen_throughput{model_name="deepseek-ai/DeepSeek-V3"} 1234.5

    """
}
