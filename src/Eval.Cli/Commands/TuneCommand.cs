using System.CommandLine;
using System.Globalization;
using Eval.Cli.Running;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Runtime;
using Eval.Core.Suites;
using Eval.Core.Tuning;
using Eval.Reporting;
using Eval.Torch.Checkpoints;

namespace Eval.Cli.Commands;

/// <summary>
/// `eval tune --from MODEL --strategy S --length L --steps N`: fine-tunes a model by a recipe into the tuned-model
/// cache (the same one suites' tune: entries use), or reports the cached one. Interrupted, it resumes when run again.
/// </summary>
public static class TuneCommand
{
    public static Command Create(TextWriter output)
    {
        var options = TuneRecipe.Keys.ToDictionary(key => key, key => new Option<string?>("--" + key) { Description = Describe(key) });
        var name = new Option<string?>("--name") { Description = "A name for progress lines and the card (default: SOURCE+STRATEGY@LENGTHxSTEPS)." };
        var db = SuiteArguments.DatabaseOption();
        var force = new Option<bool>("--force") { Description = "Retrain even when the tuned model is cached." };
        var command = new Command("tune", "Fine-tune a model with a positional strategy applied (PI, YaRN, NTK, base change) into an ordinary checkpoint; tuned models are cached beside the database (results/tuned/).");
        foreach (var option in options.Values) command.Options.Add(option);
        command.Options.Add(name);
        command.Options.Add(db);
        command.Options.Add(force);
        command.SetAction((parse, cancel) =>
        {
            var values = options.Where(o => parse.GetValue(o.Value) is not null).ToDictionary(o => o.Key, o => parse.GetValue(o.Value)!);
            var (recipe, errors) = TuneRecipe.Parse(values);
            if (recipe is null) throw new InvalidInputException(string.Join(Environment.NewLine, errors.Select(e => $"--{e.Key}: {e.Message}")));
            string directory = Source(recipe.From);
            var config = ModelConfigReader.Read(Path.Combine(directory, "config.json"));
            if (recipe.SourceProblem(config.PositionEncoding, config.SlidingWindow, config.ModelType) is string problem) throw new InvalidInputException($"--from: {problem}");
            string display = parse.GetValue(name) ?? recipe.DisplayName(new SuiteModel(recipe.From, directory, "fp32", null, 0, "", []).DisplayName);
            // Refused before anything loads: a tuning past memory is OOM-killed (exit 137) with nothing said.
            if (new TrainingMemory(config, recipe).Problem(display, MachineMemory.LimitBytes) is string tooLarge)
                throw new InvalidInputException($"--length/--batch: {tooLarge}");

            // The tuner's progress lines carry the display name (--name, a folder's name): printed safe, one line each.
            void Print(string line) => output.WriteLine(PrintableText.Of(line));
            var tuner = new Eval.Torch.Tuning.FineTuner(ModelSources.TunedFolder(parse.GetValue(db)!), ModelSources.TrainingText());
            string folder;
            try { folder = tuner.Ensure(recipe, display, directory, CheckpointLoader.Fingerprint(directory), parse.GetValue(force), Print, cancel); }
            catch (OperationCanceledException)
            {
                output.WriteLine("tuning interrupted: run the same command again to resume it");
                return Task.FromResult(ExitCodes.CaseFailed);
            }
            Print($"tuned model: {folder}");
            Print($"use it in a suite as {{ tune: {{ from: {recipe.From}, strategy: \"{recipe.Strategy.Spec}\", length: {recipe.Length}, steps: {recipe.Steps} ... }} }} or as a path: {folder}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static string Source(string reference)
    {
        string directory;
        try { directory = ModelReference.Resolve(reference); }
        catch (DirectoryNotFoundException e) { throw new InvalidInputException($"--from: {e.Message}"); }
        if (!File.Exists(Path.Combine(directory, "config.json")))
            throw new InvalidInputException($"--from: \"{reference}\" is not a checkpoint directory ({directory} has no config.json)." +
                (ModelReference.ZooModels() is { Count: > 0 } zoo ? $" Zoo models: {string.Join(", ", zoo.Select(z => ModelReference.ZooPrefix + z))}." : ""));
        return directory;
    }

    private static string Describe(string key) => key switch
    {
        "from" => "The model to start from: zoo:NAME or a checkpoint directory.",
        "strategy" => $"Applied in training exactly as at evaluation: {string.Join(", ", TuneRecipe.TunableStrategies)} (e.g. linear:factor=4; factor=auto = length / L0).",
        "length" => "Training rows of this many tokens (e.g. 4 x L0 for PI at factor 4).",
        "steps" => "Optimizer steps.",
        "lr" => $"Peak learning rate (default {TuneRecipe.DefaultLearningRate.ToString(CultureInfo.InvariantCulture)}), reached after warm-up from 10% and then constant.",
        "batch" => $"Rows per step (default {TuneRecipe.DefaultBatch}).",
        "seed" => $"Seed of the training rows (default {TuneRecipe.DefaultSeed}).",
        "warmup" => $"Warm-up steps (default {TuneRecipe.DefaultWarmup}).",
        "attention" => "Attention while training: full (default) or s2 (LongLoRA's shifted sparse attention; evaluation is always full).",
        "group_ratio" => $"S2-Attn group size as a fraction of the length (default {TuneRecipe.DefaultGroupRatio.ToString(CultureInfo.InvariantCulture)}).",
        "method" => "What trains: full (default, every weight), lora (LoRA on q, k, v, o), lora-plus (LongLoRA: LoRA + embeddings + norms; a tied head is untied and frozen), or its ablations lora+embed and lora+norm; adapters are merged into the checkpoint.",
        "lora_rank" => $"LoRA rank r (default {TuneRecipe.DefaultLoraRank}).",
        "lora_alpha" => $"LoRA alpha; the update is scaled by alpha / r (default {TuneRecipe.DefaultLoraAlpha.ToString(CultureInfo.InvariantCulture)}).",
        "shift" => "S2-Attn's shifted half of the heads: segments (default, no wrap-around), roll (the authors' non-flash path, which wraps) or none.",
        _ => key,
    };
}
