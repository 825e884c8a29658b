using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Eval.Core.Models;

namespace Eval.Cli.Commands;

/// <summary>`eval cost --model M --lengths ...`: what a model costs per length, from its config.json alone (nothing is loaded).</summary>
public static class CostCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "zoo:NAME, a checkpoint directory, or a config.json file.", Required = true };
        var lengths = new Option<int[]>("--lengths") { Description = "Context lengths.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [4096] };
        var dtype = new Option<string?>("--dtype") { Description = "Bytes per value for the memory figures: fp32, bf16, fp16 (default: the config's torch_dtype)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with a row per length." };
        var command = new Command("cost", "Parameters, FLOPs per token and per window (linear and attention), KV-cache bytes and attention-score memory per context length, from a config.json.")
        {
            model, lengths, dtype, json,
        };
        command.SetAction(parse =>
        {
            var config = ReadConfig(parse.GetValue(model)!);
            int[] points = parse.GetValue(lengths)!;
            if (points.Any(l => l < 1 || l > 1 << 24)) throw new InvalidInputException($"--lengths: every length must be from 1 to {1 << 24:N0}.");
            int bytes;
            try { bytes = ModelCost.BytesOf(parse.GetValue(dtype) ?? config.TorchDtype); }
            catch (ArgumentException e) { throw new InvalidInputException($"--dtype: {e.Message}"); }
            var cost = new ModelCost(config, bytes);
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    model = parse.GetValue(model), bytes_per_value = bytes,
                    parameters = new { embedding = cost.EmbeddingParameters, layers = cost.LayerParameters, head = cost.HeadParameters, total = cost.TotalParameters },
                    rows = points.Select(l => new
                    {
                        length = l, flops_per_token = cost.FlopsPerToken(l), flops_per_window = cost.FlopsPerWindow(l),
                        linear_flops_per_window = cost.LinearFlopsPerToken * l, attention_flops_per_window = cost.AttentionFlopsPerWindow(l),
                        kv_cache_bytes = cost.KvCacheBytes(l), scores_bytes_materialised = cost.MaterialisedScoreBytes(l), scores_bytes_fused = cost.FusedScoreBytes(l),
                    }),
                }));
                return ExitCodes.Ok;
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{parse.GetValue(model)}: {cost.TotalParameters:N0} parameters (embedding {cost.EmbeddingParameters:N0}, layers {cost.LayerParameters:N0}, head {cost.HeadParameters:N0}{(config.TieWordEmbeddings ? ", tied" : "")}); {bytes} bytes a value"));
            output.WriteLine($"{"length",8} {"GFLOP/token",12} {"attention %",11} {"GFLOP/window",13} {"KV cache",10} {"scores/layer",13} {"fused",9}");
            foreach (int l in points)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{l,8} {cost.FlopsPerToken(l) / 1e9,12:F4} {cost.AttentionFlopsPerWindow(l) / cost.FlopsPerWindow(l),11:P1} {cost.FlopsPerWindow(l) / 1e9,13:N1} {Size(cost.KvCacheBytes(l)),10} {Size(cost.MaterialisedScoreBytes(l)),13} {Size(cost.FusedScoreBytes(l)),9}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static ModelConfig ReadConfig(string reference)
    {
        string path = reference.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? Path.GetFullPath(reference)
            : Path.Combine(ResolveDirectory(reference), "config.json");
        if (!File.Exists(path)) throw new InvalidInputException($"--model: {path} not found (give zoo:NAME, a checkpoint directory or a config.json).");
        return ModelConfigReader.Read(path);
    }

    private static string ResolveDirectory(string reference)
    {
        try { return ModelReference.Resolve(reference); }
        catch (DirectoryNotFoundException e) { throw new InvalidInputException($"--model: {e.Message}"); }
    }

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F2} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F1} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
    };
}
