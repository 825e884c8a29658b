using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Runtime;
using Eval.Core.Suites;
using Eval.Core.Tuning;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using Eval.Torch.Tokenization;
using Eval.Torch.Zoo;
using static TorchSharp.torch;
using Eval.Torch.Training;

namespace Eval.Torch.Tuning;

/// <summary>
/// Fine-tunes a checkpoint by a <see cref="TuneRecipe"/> (Position Interpolation's recipe: AdamW 0.9/0.95, no weight
/// decay, linear warm-up from 10% of the peak, then a constant rate, gradient clipping at 1; next-token loss on the
/// zoo's training text cut into rows of the tuned length) with the zoo's training loop, the recipe's strategy applied
/// in every forward pass exactly as at evaluation. The result is an ordinary checkpoint folder under
/// <c>cacheFolder/KEY</c> (config.json carrying what was trained, fp32 safetensors, the source's tokenizer, tune.json,
/// training.log). A cached one is reused; a killed tuning resumes from <c>KEY.state</c>.
/// </summary>
public sealed class FineTuner(string cacheFolder, string trainingTextFolder)
{
    /// <summary>Optimizer steps between resumable states: a kill loses at most this many steps.</summary>
    public const int CheckpointEvery = 25;

    /// <summary>The folder a tuned model is (or will be) cached in.</summary>
    public string FolderOf(string cacheKey) => Path.Combine(cacheFolder, cacheKey);

    private readonly HashSet<string> verified = [];

    /// <summary>
    /// The tuned checkpoint's folder, training it first unless it is cached (or <paramref name="force"/> retrains).
    /// One process at a time trains a key (<see cref="TuningLock"/>); a cached model is checked against the hashes on
    /// its card once per process, and a damaged one is refused, naming the file.
    /// </summary>
    public string Ensure(TuneRecipe recipe, string name, string sourceDirectory, string sourceFingerprint, bool force, Action<string> log, CancellationToken cancel)
    {
        if (File.Exists(cacheFolder))
            throw new CheckpointException($"{cacheFolder}: the tuned-model cache must be a folder, but a file is there; move that file away.");
        Directory.CreateDirectory(cacheFolder);
        string key = recipe.CacheKey(sourceFingerprint);
        string folder = FolderOf(key), state = folder + ".state";
        using var held = TuningLock.Acquire(folder + ".lock", name, log, cancel);
        if (force)
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            if (Directory.Exists(state)) Directory.Delete(state, recursive: true);
            verified.Remove(folder);
        }
        if (Directory.Exists(folder) && !File.Exists(Path.Combine(folder, TuneCard.FileName)))
        {
            // Publishing is one rename of a complete folder, card included: one without its card is a leftover.
            log($"{name}: {folder} has no {TuneCard.FileName}, so it is not a finished tuning; replacing it");
            Directory.Delete(folder, recursive: true);
        }
        if (Directory.Exists(folder))
        {
            if (verified.Add(folder)) Verify(folder);
            log($"{name}: tuned model cached at {folder}");
            return folder;
        }
        Train(recipe, name, sourceDirectory, sourceFingerprint, key, state, log, cancel);
        verified.Add(folder);
        return folder;
    }

    /// <summary>The files of a tuned folder that can change its figures.</summary>
    private static IEnumerable<string> Hashed(string folder) =>
        new[] { Path.Combine(folder, "config.json") }.Concat(CheckpointWeights.Layout(folder).Select(l => l.File)).Concat(ModelTokenizer.Files(folder));

    private static void Verify(string folder)
    {
        string path = Path.Combine(folder, TuneCard.FileName), again = "; retrain it with eval tune --force (or eval run --force).";
        TuneCard? card;
        try { card = JsonSerializer.Deserialize<TuneCard>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new CheckpointException($"{path}: not a readable tune card ({e.Message}){again}"); }
        if (card?.ContentHashes is not { Count: > 0 } hashes)
            throw new CheckpointException($"{path}: records no content hashes (written by an older harness), so the tuned model cannot be checked{again}");
        if (ContentHashes.Problem(folder, hashes, Hashed(folder), path) is string problem) throw new CheckpointException(problem + again);
    }

    private void Train(TuneRecipe recipe, string name, string sourceDirectory, string sourceFingerprint, string key, string state, Action<string> log, CancellationToken cancel)
    {
        // A damaged state or log is refused before the model loads, not after every step has run.
        int? resumeAt = TrainingLoop.SavedStep(state);
        string logPath = Path.Combine(state, "training.log");
        var logged = resumeAt is int saved && File.Exists(logPath) ? LogUpTo(logPath, saved) : [];
        var clock = Stopwatch.StartNew();
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        PeakMemory.Reset();
        var source = CheckpointLoader.Load(sourceDirectory, ScalarType.Float32, fingerprint: sourceFingerprint);
        // Training, LoRA and S2-Attn are written against the Llama decoder's modules (q_proj, RMSNorm, embed_tokens).
        using var model = source.Model as LlamaForCausalLM ?? throw new CheckpointException(
            $"{sourceDirectory}: fine-tuning is implemented for llama, mistral and qwen2 checkpoints; this one is model_type {source.Config.ModelType}.");
        var tunedConfig = TunedConfig.For(source.Config, recipe);
        int[] text = TrainingCorpus.Tokenize(trainingTextFolder, source.Tokenizer);
        var options = new TrainingOptions(recipe.Steps, recipe.Batch, recipe.Length, PeakLearningRate: recipe.LearningRate,
            MinLearningRate: recipe.LearningRate, WarmupSteps: Math.Max(1, recipe.WarmupSteps), WeightDecay: 0, GradientClip: 1.0,
            PasskeyFraction: 0, Seed: recipe.Seed, CheckpointEvery: CheckpointEvery, WarmupStartFraction: 0.1);
        var batches = new TrainingBatches(text, (_, _) => throw new InvalidOperationException("fine-tuning rows are text only"), 0, recipe.Length, recipe.Batch);
        // The strategy as a case of the tuned length sees it: factor=auto is length / L0 in every forward pass.
        var strategy = ContextLengthStrategy.For(recipe.Strategy, recipe.Length);

        var adapters = PrepareMethod(model, recipe);
        long trainable = model.parameters().Concat(adapters?.parameters() ?? []).Where(p => p.requires_grad).Sum(p => p.numel());
        Directory.CreateDirectory(state);
        log($"{name}: {(resumeAt is null ? "tuning" : "resuming")} from {sourceDirectory} ({recipe.Canonical}); {text.Length:N0} training tokens");
        // Steps logged after the saved state ran before a kill and will run again: the log keeps them once.
        using (var writer = new StreamWriter(logPath, append: false))
        {
            writer.WriteLine(TrainingLog.Header);
            foreach (string line in logged) writer.WriteLine(line);
            writer.Flush();
            var lines = new TrainingLog(writer, TrainingLog.Interval(recipe.Steps));
            int printEvery = Math.Max(1, recipe.Steps / 20);
            new TrainingLoop(model, batches, options, state, adapters).Train(strategy, p =>
            {
                lines.Add(p);
                if (p.Step % printEvery != 0 && p.Step != p.TotalSteps) return;
                var eta = TimeSpan.FromSeconds((p.TotalSteps - p.Step) * (double)recipe.Batch * recipe.Length / Math.Max(1, p.TokensPerSecond));
                log(string.Create(CultureInfo.InvariantCulture,
                    $"{name} step {p.Step}/{p.TotalSteps}  loss {p.Loss:F3}  lr {p.LearningRate:E2}  {p.TokensPerSecond:N0} tok/s  eta {eta:hh\\:mm\\:ss}"));
            }, cancel, recipe.Attention == "s2" ? new ShiftedSparseAttention(recipe.GroupSize, Enum.Parse<S2Shift>(recipe.Shift, ignoreCase: true)) : null);
        }
        if (cancel.IsCancellationRequested) throw new OperationCanceledException("Tuning stopped; run again to resume it.");

        adapters?.Merge(); // the checkpoint is ordinary: W + (alpha / r) B A
        // Written whole into a temporary folder, then renamed: the cache holds complete checkpoints or none.
        string folder = FolderOf(key), partial = folder + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        var weights = model.state_dict().Where(p => !(tunedConfig.TieWordEmbeddings && p.Key == "lm_head.weight"))
            .ToDictionary(p => p.Key, p => p.Value.detach().contiguous());
        CheckpointWeights.Save(partial, weights);
        ModelConfigReader.Write(Path.Combine(partial, "config.json"), tunedConfig);
        foreach (string file in ModelTokenizer.Files(sourceDirectory)) File.Copy(file, Path.Combine(partial, Path.GetFileName(file)));
        File.Copy(logPath, Path.Combine(partial, "training.log"));
        var curve = ReadCurve(logPath);
        var card = new TuneCard(name, sourceDirectory, sourceFingerprint, key, recipe.Canonical, recipe.Strategy.Spec.ToString(), recipe.Length,
            recipe.Steps, recipe.Batch, recipe.LearningRate, recipe.Seed, (long)recipe.Steps * recipe.Batch * recipe.Length,
            curve.Count == 0 ? double.NaN : curve[^1][1], clock.Elapsed.TotalSeconds,
            (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds, PeakMemory.PeakBytes(), get_num_threads(),
            HarnessVersion.Current, curve, recipe.Method, trainable, ContentHashes.Of(partial, Hashed(partial)));
        File.WriteAllText(Path.Combine(partial, TuneCard.FileName), JsonSerializer.Serialize(card, new JsonSerializerOptions { WriteIndented = true }));
        Directory.Move(partial, folder); // under the key's lock: no other process publishes this folder meanwhile
        Directory.Delete(state, recursive: true);
        log(string.Create(CultureInfo.InvariantCulture, $"{name}: tuned in {card.Seconds:F0} s ({card.SecondsPerStep:F2} s/step), final loss {card.FinalLoss:F3} -> {folder}"));
    }

    /// <summary>
    /// Freezes what the recipe's method does not train: full trains every weight; lora only the adapters on q, k, v, o;
    /// lora-plus (LongLoRA) the adapters, the token embeddings and every RMSNorm, lora+embed and lora+norm the adapters and
    /// one of those. Trained embeddings are first untied from a tied output head, which stays frozen as in LongLoRA.
    /// Returns the adapters, or null for full fine-tuning.
    /// </summary>
    private static LoraAdapters? PrepareMethod(Eval.Torch.Model.LlamaForCausalLM model, TuneRecipe recipe)
    {
        if (!recipe.Trains.Adapters) return null;
        if (recipe.TrainsEmbeddings) model.UntieHead();
        foreach (var (name, parameter) in model.named_parameters())
            parameter.requires_grad = (recipe.TrainsEmbeddings && name.EndsWith("embed_tokens.weight", StringComparison.Ordinal))
                || (recipe.TrainsNorms && name.Contains("norm", StringComparison.Ordinal));
        return new LoraAdapters(model, recipe.LoraRank, recipe.LoraAlpha, recipe.Seed);
    }

    /// <summary>(step, mean loss) points from training.log.</summary>
    private static List<double[]> ReadCurve(string logPath) =>
        Lines(logPath).Select(l => new[] { (double)l.Step, l.Loss }).ToList();

    /// <summary>The lines of training.log up to <paramref name="step"/> (the saved state a resume starts from).</summary>
    private static List<string> LogUpTo(string logPath, int step) =>
        Lines(logPath).Where(l => l.Step <= step).Select(l => l.Text).ToList();

    /// <summary>training.log's lines after its header; one that is not "STEP\tLOSS\t..." is named with its line number.</summary>
    private static IEnumerable<(int Step, double Loss, string Text)> Lines(string logPath)
    {
        int number = 0;
        foreach (string line in File.ReadAllLines(logPath))
        {
            if (++number == 1 || line.Length == 0) continue;
            string[] f = line.Split('\t');
            if (f.Length < 2 || !int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int step)
                || !double.TryParse(f[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double loss))
                throw new CheckpointException($"{logPath}:{number}: \"{line}\" is not a training log line (step, tab, loss, ...); " +
                    "remove the state folder (eval tune --force does) to train again from the start.");
            yield return (step, loss, line);
        }
    }
}
