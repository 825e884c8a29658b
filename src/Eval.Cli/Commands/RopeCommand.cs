using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Eval.Core.Positional;

namespace Eval.Cli.Commands;

/// <summary>`eval rope`: what a strategy does to RoPE's frequencies, as JSON or as a per-dimension wavelength table.</summary>
public static class RopeCommand
{
    /// <summary>The largest --head-dim accepted: real models use 64 to 256, and the table is one row per pair.</summary>
    public const int MaxHeadDim = 4096;

    public static Command Create(TextWriter output)
    {
        var type = new Option<string>("--type") { Description = "Strategy name or full spec (e.g. yarn or yarn:factor=8).", Required = true };
        var headDim = new Option<int>("--head-dim") { Description = "Per-head dimension d (even).", Required = true };
        var theta = new Option<double>("--theta") { Description = "Trained RoPE base.", Required = true };
        var factor = new Option<string?>("--factor") { Description = "Scaling factor s (a number >= 1, or auto)." };
        var original = new Option<int>("--original-context") { Description = "Trained context length L0.", DefaultValueFactory = _ => 4096 };
        var seqLen = new Option<int?>("--seq-len") { Description = "Current sequence length L (default: L0 x factor, or L0)." };
        var betaFast = new Option<double?>("--beta-fast") { Description = "YaRN beta_fast." };
        var betaSlow = new Option<double?>("--beta-slow") { Description = "YaRN beta_slow." };
        var attention = new Option<double?>("--attention-factor") { Description = "Override of the attention factor (YaRN, LongRoPE)." };
        var lowFreq = new Option<double?>("--low-freq-factor") { Description = "llama3 low_freq_factor." };
        var highFreq = new Option<double?>("--high-freq-factor") { Description = "llama3 high_freq_factor." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {\"inv_freq\": [...], \"attention_factor\": x}." };

        var command = new Command("rope", "Show the inverse frequencies and attention factor a positional strategy gives a RoPE geometry.")
        {
            type, headDim, theta, factor, original, seqLen, betaFast, betaSlow, attention, lowFreq, highFreq, json,
        };
        command.SetAction(parse =>
        {
            StrategySpec parsed;
            try { parsed = StrategySpec.Parse(parse.GetValue(type)!); }
            catch (FormatException e) { throw new InvalidInputException($"--type: {e.Message}"); }
            var parameters = new Dictionary<string, string>(parsed.Parameters);
            // A parameter given both inside --type and as its own option is refused: silently preferring one hides a typo.
            void Add(string key, string option, string? value)
            {
                if (value is null) return;
                if (parsed.Parameters.TryGetValue(key, out var inType))
                    throw new InvalidInputException($"{option} {value} conflicts with {key}={inType} in --type {parse.GetValue(type)}: give {key} in one place only.");
                parameters[key] = value;
            }
            static string? Text(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);
            Add("factor", "--factor", parse.GetValue(factor));
            Add("beta_fast", "--beta-fast", Text(parse.GetValue(betaFast)));
            Add("beta_slow", "--beta-slow", Text(parse.GetValue(betaSlow)));
            Add("attention_factor", "--attention-factor", Text(parse.GetValue(attention)));
            Add("low_freq_factor", "--low-freq-factor", Text(parse.GetValue(lowFreq)));
            Add("high_freq_factor", "--high-freq-factor", Text(parse.GetValue(highFreq)));

            IPositionalStrategy strategy;
            try { strategy = StrategyRegistry.Create(StrategySpec.Create(parsed.Name, parameters)); }
            catch (StrategyException e) { throw new InvalidInputException($"--type: {e.Message}"); }
            if (strategy.Kind is PositionalKind.Alibi or PositionalKind.NoPE)
                throw new InvalidInputException($"--type: \"{strategy.Spec.Name}\" is a model-level encoding with no RoPE frequencies. " +
                    $"RoPE strategies: {string.Join(", ", StrategyRegistry.Names.Where(n => n is not ("alibi" or "nope")))}.");

            int d = parse.GetValue(headDim), l0 = parse.GetValue(original);
            double baseTheta = parse.GetValue(theta);
            if (d < 2 || d > MaxHeadDim || d % 2 != 0)
                throw new InvalidInputException($"--head-dim {d} is not valid: it must be an even number from 2 to {MaxHeadDim}.");
            if (!(baseTheta > 1) || !double.IsFinite(baseTheta))
                throw new InvalidInputException($"--theta {baseTheta.ToString(CultureInfo.InvariantCulture)} is not valid: it must be a finite number > 1.");
            if (l0 < 1) throw new InvalidInputException($"--original-context {l0} is not valid: it must be >= 1.");
            int length = parse.GetValue(seqLen) ?? DefaultLength(parameters, l0);
            if (length < 1) throw new InvalidInputException($"--seq-len {length} is not valid: it must be >= 1.");

            var geometry = new RopeGeometry(d, baseTheta, l0);
            RopeFrequencies result;
            try { result = strategy.Frequencies(geometry, length); }
            catch (StrategyException e) { throw new InvalidInputException(e.Message); }

            if (parse.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(new { inv_freq = result.InverseFrequencies, attention_factor = result.AttentionFactor }));
            else WriteTable(output, strategy, geometry, length, result);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static int DefaultLength(Dictionary<string, string> parameters, int original) =>
        parameters.TryGetValue("factor", out var f) && double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s >= 1
            ? (int)Math.Min(int.MaxValue, Math.Round(original * s))
            : original;

    private static void WriteTable(TextWriter output, IPositionalStrategy strategy, RopeGeometry g, int length, RopeFrequencies result)
    {
        double[] before = RopeStrategy.InverseFrequencies(g.HeadDim, g.Theta);
        output.WriteLine($"strategy {strategy.Spec}  head_dim {g.HeadDim}  theta {g.Theta.ToString(CultureInfo.InvariantCulture)}  " +
                         $"original {g.OriginalContext}  seq_len {length}");
        output.WriteLine($"attention factor {result.AttentionFactor.ToString("F5", CultureInfo.InvariantCulture)}" +
                         (strategy.Attention == AttentionVariant.Standard ? "" : $"  attention {strategy.Attention}"));
        output.WriteLine($"{"pair",4}  {"inv_freq",13}  {"wavelength before",17}  {"wavelength after",16}  {"ratio",8}");
        for (int i = 0; i < before.Length; i++)
        {
            double was = 2 * Math.PI / before[i], now = 2 * Math.PI / result.InverseFrequencies[i];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{i,4}  {result.InverseFrequencies[i],13:E6}  {was,17:F2}  {now,16:F2}  {now / was,8:F4}"));
        }
    }
}
