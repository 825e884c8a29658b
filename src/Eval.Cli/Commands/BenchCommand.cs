using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using Eval.Core.Positional;
using Eval.Torch.Bench;
using Eval.Torch.Model;
using static TorchSharp.torch;

namespace Eval.Cli.Commands;

/// <summary>
/// `eval bench`: the machine's matmul peak, then perplexity-scoring speed, utilisation and peak memory per
/// (length, strategy), and optionally a memory soak over many consecutive cases. Figures, not pass/fail.
/// </summary>
public static class BenchCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "zoo:NAME, a checkpoint directory, or synthetic:SIZE (" + string.Join(", ", SyntheticModels.Names) + ").", DefaultValueFactory = _ => "synthetic:100m" };
        var lengths = new Option<int[]>("--lengths") { Description = "Context lengths.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [1024, 4096] };
        var strategies = new Option<string[]>("--strategies") { Description = "Strategy specs (default: the model's own encoding as trained: RoPE unscaled, alibi, kerple, ...).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var repeats = new Option<int>("--repeats") { Description = "Timed repeats per point (the median is reported).", DefaultValueFactory = _ => 3 };
        var soak = new Option<int>("--soak") { Description = "Also run this many consecutive short cases and report peak memory after case 20 and the last.", DefaultValueFactory = _ => 0 };
        var threads = new Option<int?>("--threads") { Description = "libtorch CPU threads." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with a row per (length, strategy)." };
        var training = new Option<bool>("--training") { Description = "Instead of scoring: seconds and peak memory of one training step (batch 1) per length, full attention vs LongLoRA's S2-Attn." };
        var dtype = new Option<string>("--dtype") { Description = "Weights and activations: fp32 or bf16 (RoPE angles and the loss stay fp32, softmaxes are computed in fp32). MFU is against the matmul peak of this dtype.", DefaultValueFactory = _ => "fp32" };
        var batchTokens = new Option<int>("--batch-tokens") { Description = "Tokens scored per pass: windows per pass = max(1, this / length), as the runner batches them.", DefaultValueFactory = _ => TorchLanguageModel.DefaultBatchTokenBudget };
        var components = new Option<bool>("--components") { Description = "Also time a pass's parts apart (linear layers, attention, output head with the NLL, the rest) with each part's GFLOP/s and share of the pass." };
        var groupRatio = new Option<double>("--group-ratio") { Description = "S2-Attn group size as a fraction of the length (with --training).", DefaultValueFactory = _ => 0.25 };
        // Parse-time checks, so a bad value exits 2 before libtorch sees it (0 threads aborted it; more threads than
        // processors only oversubscribes a shared machine).
        threads.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is int n && (n < 1 || n > Environment.ProcessorCount))
                r.AddError($"--threads {n} is not valid. Valid: 1 to {Environment.ProcessorCount} (this machine's processor count).");
        });
        soak.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is var n and < 0) r.AddError($"--soak {n} is not valid. Valid: 0 (no soak) or a positive number of cases.");
        });
        var command = new Command("bench", "Measure scoring speed (tokens/s, share of the matmul peak) and peak memory per length and strategy.")
        {
            model, lengths, strategies, repeats, soak, threads, json, training, groupRatio, dtype, batchTokens, components,
        };
        command.SetAction(parse =>
        {
            RefuseOptionsOfTheOtherMode(parse, parse.GetValue(training), [components, json, soak, dtype, batchTokens], [groupRatio]);
            if (parse.GetValue(threads) is int t) set_num_threads(t);
            int[] points = parse.GetValue(lengths)!;
            if (points.Any(l => l < 2)) throw new InvalidInputException("--lengths: every length must be at least 2.");
            int repeat = parse.GetValue(repeats);
            if (repeat < 1) throw new InvalidInputException($"--repeats {repeat} is not valid: it must be >= 1.");
            var specs = parse.GetValue(strategies)!.Select(s =>
            {
                try { return StrategyRegistry.Create(s); }
                catch (StrategyException e) { throw new InvalidInputException($"--strategies: {e.Message}"); }
            }).ToList();

            var scalar = ModelOptions.ParseDType(parse.GetValue(dtype)!);
            if (parse.GetValue(training)) return TrainingSteps(output, parse.GetValue(model)!, points, specs.FirstOrDefault() ?? StrategyRegistry.Create("default"), repeat, parse.GetValue(groupRatio));
            double fp32 = MatmulPeak.FlopsPerSecond(ScalarType.Float32, CPU);
            double? bf16 = TryPeak(ScalarType.BFloat16);
            // Printed so users see why scoring offers no fp16: libtorch's CPU fp16 matmul measured 1 GFLOP/s here (small: it is that slow).
            double? fp16 = TryPeak(ScalarType.Float16, size: 384, repeats: 2);
            double peak = scalar == ScalarType.BFloat16
                ? bf16 ?? throw new InvalidInputException("--dtype bf16: this CPU's libtorch has no bf16 matmul (the peak measurement failed).")
                : fp32;
            int budget = parse.GetValue(batchTokens);
            if (budget < 1) throw new InvalidInputException($"--batch-tokens {budget} is not valid: it must be >= 1.");
            using var lm = ModelOptions.LoadOrSynthetic(parse.GetValue(model)!, scalar);
            lm.BatchTokenBudget = budget;
            if (specs.Count == 0) specs.Add(lm.Model.Shape.NativeStrategy());
            var bench = new ScoringBenchmark(lm, peak, repeat);
            var parts = parse.GetValue(components) ? new ComponentBenchmark(lm, repeat) : null;
            var rows = new List<BenchRow>();
            var breakdowns = new List<IReadOnlyList<PassComponent>?>();
            foreach (var strategy in specs)
                foreach (int length in points)
                {
                    BenchRow row;
                    try { row = bench.Measure(length, strategy); }
                    catch (ArgumentException e) { throw new InvalidInputException($"--strategies {strategy.Spec}: {e.Message}"); }
                    rows.Add(row);
                    var breakdown = parts?.Measure(length, strategy, row.Seconds);
                    breakdowns.Add(breakdown);
                    if (parse.GetValue(json)) continue;
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{row.Strategy,-36} L={row.Length,6}  x{row.Windows,-3} {row.Seconds,8:F3}s  {row.TokensPerSecond,9:N0} tok/s  {row.FlopsPerSecond / 1e9,7:F1} GFLOP/s  MFU {row.Utilisation,6:P1}  peak {row.PeakMemoryBytes / 1048576.0,8:N0} MiB"));
                    foreach (var part in breakdown ?? [])
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  {part.Name,-50} {part.Seconds,8:F3}s  {part.Seconds / row.Seconds,6:P0} of the pass") +
                            (part.Flops is double f && part.Seconds > 0
                                ? string.Create(CultureInfo.InvariantCulture, $"  {f / part.Seconds / 1e9,7:F1} GFLOP/s  {f / part.Seconds / peak,6:P1} of peak")
                                : ""));
                }
            IReadOnlyList<long>? soakPeaks = parse.GetValue(soak) is int n and > 0 ? bench.Soak(n, points.Min(), specs[0]) : null;
            if (parse.GetValue(json))
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    model = parse.GetValue(model), parameters = lm.Model.ParameterCount(), threads = get_num_threads(),
                    dtype = parse.GetValue(dtype), matmul_peak_fp32_gflops = fp32 / 1e9, matmul_peak_bf16_gflops = bf16 / 1e9, matmul_peak_fp16_gflops = fp16 / 1e9, mfu_against_gflops = peak / 1e9,
                    rows = rows.Select((r, i) => new { length = r.Length, strategy = r.Strategy, windows = r.Windows, seconds = r.Seconds, tokens_per_second = r.TokensPerSecond,
                        gflops = r.FlopsPerSecond / 1e9, mfu = r.Utilisation, peak_memory_mib = r.PeakMemoryBytes / 1048576.0,
                        components = breakdowns[i]?.Select(p => new { name = p.Name, seconds = p.Seconds, gflops = p.Flops / p.Seconds / 1e9 }) }),
                    soak = soakPeaks is null ? null : new { cases = soakPeaks.Count, peak_after_20_mib = soakPeaks[Math.Min(19, soakPeaks.Count - 1)] / 1048576.0, peak_after_last_mib = soakPeaks[^1] / 1048576.0 },
                }));
            else
            {
                string otherPeaks = (bf16 is double b ? string.Create(CultureInfo.InvariantCulture, $", bf16 {b / 1e9:F1} GFLOP/s") : ", bf16 unsupported")
                    + (fp16 is double h ? string.Create(CultureInfo.InvariantCulture, $", fp16 {h / 1e9:F1} GFLOP/s") : ", fp16 unsupported");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"model {parse.GetValue(model)} ({lm.Model.ParameterCount():N0} parameters, {parse.GetValue(dtype)}), {get_num_threads()} threads; matmul peak fp32 {fp32 / 1e9:F1} GFLOP/s{otherPeaks}; MFU against the {parse.GetValue(dtype)} peak"));
                if (soakPeaks is not null)
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"soak: {soakPeaks.Count} cases, peak {soakPeaks[Math.Min(19, soakPeaks.Count - 1)] / 1048576.0:N0} MiB after case 20, {soakPeaks[^1] / 1048576.0:N0} MiB after case {soakPeaks.Count}"));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Scoring and training steps take different options; one given to the mode that does not read it would be silently
    /// ignored (a training step runs in fp32, batch 1, prints its own table), so it is refused by name.
    /// </summary>
    private static void RefuseOptionsOfTheOtherMode(ParseResult parse, bool training, Option[] scoringOnly, Option[] trainingOnly)
    {
        var given = (training ? scoringOnly : trainingOnly).Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (given.Count == 0) return;
        throw new InvalidInputException(training
            ? $"{string.Join(", ", given)}: not taken with --training (a training step runs in fp32, batch 1, with its own table). Valid with --training: --model, --lengths, --strategies, --repeats, --threads, --group-ratio."
            : $"{string.Join(", ", given)}: taken only with --training (S2-Attn's group size).");
    }

    /// <summary>`--training`: per length, a training step with full attention, then with S2-Attn, and their ratios.</summary>
    private static int TrainingSteps(TextWriter output, string reference, int[] points, IPositionalStrategy strategy, int repeat, double ratio)
    {
        if (!(ratio > 0 && ratio <= 1)) throw new InvalidInputException($"--group-ratio {ratio} is not valid: it must be > 0 and <= 1.");
        using var lm = ModelOptions.LoadOrSynthetic(reference, ScalarType.Float32); // training runs in fp32 (README, Fine-tuning)
        var llama = lm.Model as LlamaForCausalLM
            ?? throw new InvalidInputException($"--training: training steps (with S2-Attn) run on llama, mistral and qwen2 models; {reference} is not one.");
        var bench = new TrainingStepBenchmark(llama, repeat);
        output.WriteLine($"model {reference} ({lm.Model.ParameterCount():N0} parameters), {get_num_threads()} threads, strategy {strategy.Spec}, batch 1, median of {repeat}");
        foreach (int length in points)
        {
            int group = (int)Math.Round(ratio * length);
            if (group < 2 || length % group != 0 || group % 2 != 0)
                throw new InvalidInputException($"--group-ratio {ratio} x length {length} = {ratio * length} is not an even group size dividing the length.");
            var full = bench.Measure(length, strategy, null);
            var s2 = bench.Measure(length, strategy, new ShiftedSparseAttention(group, S2Shift.Segments));
            foreach (var row in new[] { full, s2 })
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"train {row.Attention,-24} L={row.Length,6}  {row.Seconds,8:F3} s/step  {row.TokensPerSecond,9:N0} tok/s  peak {row.PeakMemoryBytes / 1048576.0,8:N0} MiB"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  S2-Attn / full at L={length}: time {s2.Seconds / full.Seconds:F2}x, peak memory {(double)s2.PeakMemoryBytes / full.PeakMemoryBytes:F2}x"));
        }
        return ExitCodes.Ok;
    }

    private static double? TryPeak(ScalarType dtype, int size = 1024, int repeats = 5)
    {
        try { return MatmulPeak.FlopsPerSecond(dtype, CPU, size: size, repeats: repeats); }
        catch (Exception e) when (e is not OutOfMemoryException) { return null; }
    }
}
