using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Eval.Core.Corpora;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Results;
using Eval.Core.Runtime;
using Eval.Core.Tasks;

namespace Eval.Cli.Commands;

/// <summary>
/// `eval score`: perplexity of one token file (or text) under a model and strategy, by any perplexity protocol of the
/// suites (sliding, chunks, tail), with the suites' defaults and window planner, so one file can be checked against
/// another tool (tail with --chunks is llama.cpp's llama-perplexity).
/// </summary>
public static class ScoreCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "Checkpoint directory or zoo:NAME.", Required = true };
        var tokens = new Option<FileInfo?>("--tokens") { Description = "File of whitespace-separated token ids, scored as the stream (no BOS added)." };
        var text = new Option<FileInfo?>("--text") { Description = "Text file, tokenized with the model's tokenizer; the stream is BOS (when the model has one) then its tokens." };
        var length = new Option<int>("--length") { Description = "Window length L in tokens (>= 2).", Required = true };
        var protocol = new Option<string?>("--protocol")
        {
            Description = $"{string.Join(", ", PerplexityProtocol.Names)} (default {PerplexityProtocol.DefaultName}, as suites): sliding windows of L every --stride tokens, " +
                "each scoring what no earlier window scored; non-overlapping chunks scoring all but their first token; or llama.cpp's tail " +
                "(chunks with BOS over their first token, the last --tail-fraction scored).",
        };
        var stride = new Option<int?>("--stride") { Description = $"Sliding only: tokens between window starts (default {PerplexityProtocol.DefaultStride}, at most L)." };
        var tailFraction = new Option<double?>("--tail-fraction")
            { Description = string.Create(CultureInfo.InvariantCulture, $"Tail only: share of each window scored (default {PerplexityProtocol.DefaultTailFraction}: llama.cpp's first = n_ctx/2).") };
        var minContext = new Option<int?>("--min-context")
        {
            Description = "Score only tokens with at least M tokens before them in their window (0 <= M < L; default 0). Sliding lowers its stride to at most L - M so no token past the first M goes unscored.",
        };
        var chunks = new Option<int?>("--chunks") { Description = "Score at most the first N windows (llama.cpp's --chunks); default all." };
        var strategy = new Option<string?>("--strategy") { Description = "Positional strategy spec, e.g. yarn:factor=8 (default: the model's own encoding as trained: RoPE unscaled, alibi, learned, ...)." };
        var dtype = new Option<string>("--dtype") { Description = "fp32 or bf16.", DefaultValueFactory = _ => "fp32" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {\"nll_sum\": x, \"tokens\": n, \"ppl\": p}." };
        var command = new Command("score", "Perplexity of a token or text file by a suite's perplexity protocol (sliding, chunks or llama.cpp's tail).")
        {
            model, tokens, text, length, protocol, stride, tailFraction, minContext, chunks, strategy, dtype, json,
        };
        command.SetAction(parse =>
        {
            int chunk = parse.GetValue(length);
            if (chunk < 2) throw new InvalidInputException($"--length {chunk} is not valid: it must be at least 2.");
            var protocolParameters = ProtocolParameters(parse.GetValue(protocol), parse.GetValue(stride), parse.GetValue(tailFraction), parse.GetValue(minContext));
            PerplexityProtocol plan;
            try
            {
                var read = new TaskParameters("perplexity", protocolParameters, PerplexityProtocol.ParameterKeys);
                plan = PerplexityProtocol.Read(read);
                read.ThrowIfInvalid();
            }
            catch (TaskException e) { throw new InvalidInputException($"--protocol, --stride, --tail-fraction, --min-context: {e.Message}"); }
            if (plan.MinContext >= chunk)
                throw new InvalidInputException($"--min-context {plan.MinContext} is not valid with --length {chunk}: it must lie in [0, {chunk - 1}] (a token of a window of {chunk} has at most {chunk - 1} tokens before it).");
            int maxWindows = parse.GetValue(chunks) ?? int.MaxValue;
            if (maxWindows < 1) throw new InvalidInputException($"--chunks {maxWindows} is not valid: it must be at least 1.");
            FileInfo? tokenFile = parse.GetValue(tokens), textFile = parse.GetValue(text);
            if ((tokenFile is null) == (textFile is null)) throw new InvalidInputException("Give exactly one of --tokens FILE or --text FILE.");
            var file = (tokenFile ?? textFile)!;
            if (!file.Exists) throw new InvalidInputException($"--{(tokenFile is null ? "text" : "tokens")}: {file.FullName} not found.");
            IPositionalStrategy? positional;
            try { positional = parse.GetValue(strategy) is string spec ? StrategyRegistry.Create(spec) : null; }
            catch (StrategyException e) { throw new InvalidInputException($"--strategy: {e.Message}"); }

            var scalar = ModelOptions.ParseDType(parse.GetValue(dtype)!);
            if (scalar == TorchSharp.torch.ScalarType.BFloat16 && CpuFeatures.Bf16Warning("--dtype") is string slow) error.WriteLine(slow);
            using var lm = ModelOptions.Load(parse.GetValue(model)!, scalar);
            // Without --strategy a model scores as it was trained: an ALiBi (BLOOM) or learned-position (GPT-2) model too.
            positional ??= lm.Model.Shape.NativeStrategy();
            try { lm.Strategy = ContextLengthStrategy.For(positional, chunk); }
            catch (ArgumentException e) { throw new InvalidInputException($"--strategy: {e.Message}"); }
            int[] ids = tokenFile is not null ? ReadTokenIds(tokenFile) : PerplexityProtocol.Stream(lm.Encode(ReadText(file.FullName)), lm.BosId);
            int vocabulary = lm.Model.Shape.VocabSize;
            // By index, not by a default value: a default of -1 let the bad id -1 through to the embedding.
            if (Array.FindIndex(ids, t => t < 0 || t >= vocabulary) is var at and >= 0)
                throw new InvalidInputException($"{file.FullName}: token id {ids[at]} is outside the model's vocabulary [0, {vocabulary}).");
            // As suites skip a document shorter than L, a stream shorter than one window is an error, for every protocol.
            if (ids.Length < chunk) throw new InvalidInputException($"{file.FullName} has {ids.Length} tokens, fewer than one window of {chunk}.");
            IReadOnlyList<ScoringWindowPlan> plans;
            try { plans = plan.Plan(ids.Length, chunk, maxWindows); }
            catch (TaskException e) { throw new InvalidInputException($"--length {chunk}: {e.Message}"); }
            var windows = plans.Select(w => new ScoringWindow(plan.WindowTokens(ids, w, lm.BosId), w.FirstTarget)).ToList();
            double nll = 0, squares = 0;
            long count = 0;
            var scored = lm.Score(windows);
            for (int i = 0; i < scored.Count; i++)
            {
                float[] window = scored[i].Nll;
                // As `eval run` fails a case whose figure is NaN, a NaN perplexity is a failure with its reason, never a figure.
                if (Array.FindIndex(window, x => !float.IsFinite(x)) is var bad and >= 0)
                {
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"score failed: ppl is NaN: window {i + 1} of {windows.Count} gave a non-finite NLL ({window[bad]}) at its scored token {bad + 1}. " +
                        $"The model's forward pass produced NaN or infinity: check {parse.GetValue(model)}'s weights for NaN or infinite values (and --dtype)."));
                    return ExitCodes.CaseFailed;
                }
                nll += window.Sum(x => (double)x);
                squares += window.Sum(x => (double)x * x);
                count += window.Length;
            }
            double ppl = Math.Exp(nll / count);
            var figure = new MetricValue("ppl", nll, count, ppl, squares);
            if (parse.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(new { nll_sum = nll, tokens = count, ppl }));
            else output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{lm.Strategy.Spec}  L={chunk}  {plan.Describe(chunk, lm.BosId is not null)}  windows={windows.Count}  tokens scored={count}  nll/token={nll / count:F4}  ppl={FigureText.Perplexity(figure, format: "F4")}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Only the options given, so the protocol's own defaults (the suites') fill the rest.</summary>
    private static Dictionary<string, string> ProtocolParameters(string? protocol, int? stride, double? tailFraction, int? minContext)
    {
        var parameters = new Dictionary<string, string>();
        if (protocol is not null) parameters["protocol"] = protocol;
        if (stride is int s) parameters["stride"] = s.ToString(CultureInfo.InvariantCulture);
        if (tailFraction is double f) parameters["tail_fraction"] = f.ToString("R", CultureInfo.InvariantCulture);
        if (minContext is int m) parameters["min_context"] = m.ToString(CultureInfo.InvariantCulture);
        return parameters;
    }

    private static int[] ReadTokenIds(FileInfo file)
    {
        var ids = new List<int>();
        int line = 0;
        foreach (string row in File.ReadLines(file.FullName))
        {
            line++;
            foreach (string word in row.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                ids.Add(int.TryParse(word, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id) ? id
                    : throw new InvalidInputException($"{file.FullName}:{line}: \"{word}\" is not a token id."));
        }
        return ids.ToArray();
    }

    /// <summary>
    /// --text: gunzipped when named .gz (a corpus file scored as-is read its compressed bytes and gave a perplexity of
    /// 2,086 instead of 86); any other file holding NUL characters is not text and is refused.
    /// </summary>
    private static string ReadText(string path)
    {
        string text;
        try { text = DocumentSource.ReadText(path); }
        catch (InvalidDataException e) { throw new InvalidInputException($"--text: {path} is named .gz but is not gzip ({e.Message})."); }
        if (text.Contains('\0')) throw new InvalidInputException($"--text: {path} holds NUL characters: a binary file, not text (gzip files must be named .gz).");
        return text;
    }
}
