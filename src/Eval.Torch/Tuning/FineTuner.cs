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

    /// <summary>The tuned checkpoint's folder, training it first unless it is cached (or <paramref name="force"/> retrains).</summary>
    public string Ensure(TuneRecipe recipe, string name, string sourceDirectory, string sourceFingerprint, bool force, Action<string> log, CancellationToken cancel)
    {
        string key = recipe.CacheKey(sourceFingerprint);
        string folder = FolderOf(key), state = folder + ".state";
        if (force)
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            if (Directory.Exists(state)) Directory.Delete(state, recursive: true);
        }
        if (File.Exists(Path.Combine(folder, TuneCard.FileName)))
        {
            log($"{name}: tuned model cached at {folder}");
            return folder;
        }
        Train(recipe, name, sourceDirectory, sourceFingerprint, key, state, log, cancel);
        return folder;
    }

    private void Train(TuneRecipe recipe, string name, string sourceDirectory, string sourceFingerprint, string key, string state, Action<string> log, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        PeakMemory.Reset();
        var source = CheckpointLoader.Load(sourceDirectory, ScalarType.Float32, fingerprint: sourceFingerprint);
        using var model = source.Model;
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
        bool resuming = File.Exists(Path.Combine(state, "latest.txt"));
        log($"{name}: {(resuming ? "resuming" : "tuning")} from {sourceDirectory} ({recipe.Canonical}); {text.Length:N0} training tokens");
        string logPath = Path.Combine(state, "training.log");
        using (var writer = new StreamWriter(logPath, append: resuming && File.Exists(logPath)))
        {
            if (writer.BaseStream.Position == 0) writer.WriteLine(TrainingLog.Header);
            var lines = new TrainingLog(writer, TrainingLog.Interval(recipe.Steps));
            int printEvery = Math.Max(1, recipe.Steps / 20);
            new ZooTrainer(model, batches, options, state, adapters).Train(strategy, p =>
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
            HarnessVersion.Current, curve, recipe.Method, trainable);
        File.WriteAllText(Path.Combine(partial, TuneCard.FileName), JsonSerializer.Serialize(card, new JsonSerializerOptions { WriteIndented = true }));
        try { Directory.Move(partial, folder); }
        catch (IOException) when (File.Exists(Path.Combine(folder, TuneCard.FileName)))
        {
            Directory.Delete(partial, recursive: true); // another process (a shard) finished the same tuning first: same recipe, same figures
        }
        Directory.Delete(state, recursive: true);
        log(string.Create(CultureInfo.InvariantCulture, $"{name}: tuned in {card.Seconds:F0} s ({card.SecondsPerStep:F2} s/step), final loss {card.FinalLoss:F3} -> {folder}"));
    }

    /// <summary>
    /// Freezes what the recipe's method does not train: full trains every weight; lora only the adapters on q, k, v, o;
    /// lora-plus (LongLoRA) the adapters, the token embeddings (and so the output head, when tied as in the zoo) and
    /// every RMSNorm. Returns the adapters, or null for full fine-tuning.
    /// </summary>
    private static LoraAdapters? PrepareMethod(Eval.Torch.Model.LlamaForCausalLM model, TuneRecipe recipe)
    {
        if (recipe.Method == "full") return null;
        foreach (var (name, parameter) in model.named_parameters())
            parameter.requires_grad = recipe.Method == "lora-plus" && (name.EndsWith("embed_tokens.weight", StringComparison.Ordinal) || name.Contains("norm", StringComparison.Ordinal));
        return new LoraAdapters(model, recipe.LoraRank, recipe.LoraAlpha, recipe.Seed);
    }

    /// <summary>(step, mean loss) points from training.log.</summary>
    private static List<double[]> ReadCurve(string logPath) =>
        File.ReadLines(logPath).Skip(1).Select(line => line.Split('\t'))
            .Where(f => f.Length > 1 && f[0] != "step")
            .Select(f => new[] { double.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture) })
            .ToList();
}
