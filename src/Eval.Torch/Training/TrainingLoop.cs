using System.Globalization;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Training;

/// <summary>
/// The one training loop (nanoGPT's train.py, cut down), shared by the zoo (<c>ZooBuilder</c>) and fine-tuning (<c>FineTuner</c>): AdamW with decoupled weight decay on matrices only,
/// linear warmup then cosine decay, gradient clipping, seeded data. Saves a resumable state every
/// <see cref="TrainingOptions.CheckpointEvery"/> steps into <c>stateDir</c>; a run started again resumes there.
/// </summary>
/// <param name="adapters">Parameters that train beside the model's (LoRA), saved and resumed with it; the model's own
/// parameters train only where they require gradients, so a caller freezes what it does not tune.</param>
public sealed class TrainingLoop(LlamaForCausalLM model, TrainingBatches batches, TrainingOptions options, string stateDir, nn.Module? adapters = null)
{
    /// <summary>The SHA-256 of each state file, written with them: a resume checks them before it loads anything.</summary>
    public const string HashFile = "sha256.txt";

    private string LatestFile => Path.Combine(stateDir, "latest.txt");
    private string StepDir(int step) => StepDir(stateDir, step);
    private static string StepDir(string stateDir, int step) => Path.Combine(stateDir, $"step-{step:D6}");

    /// <summary>
    /// The step of the state saved in <paramref name="stateDir"/>, null when there is none. A state that cannot be
    /// resumed (latest.txt not a step, its step folder missing, a file changed since it was saved) is a
    /// <see cref="CheckpointException"/> naming the file, found before any training starts.
    /// </summary>
    public static int? SavedStep(string stateDir)
    {
        string latest = Path.Combine(stateDir, "latest.txt");
        if (!File.Exists(latest)) return null;
        string text = File.ReadAllText(latest).Trim();
        string again = $"; remove {stateDir} (eval tune --force does) to train again from the start.";
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int step) || step <= 0)
            throw new CheckpointException($"{latest}: \"{text}\" is not a saved step (a whole number above 0){again}");
        string folder = StepDir(stateDir, step), hashes = Path.Combine(folder, HashFile);
        if (!File.Exists(hashes))
            throw new CheckpointException($"{hashes}: missing, so the state of step {step} cannot be checked before it is resumed{again}");
        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(hashes))
        {
            string[] fields = line.Split("  ", 2);
            if (fields.Length != 2) throw new CheckpointException($"{hashes}: the line \"{line}\" is not \"SHA256  FILE\"{again}");
            recorded[fields[1]] = fields[0];
        }
        var files = Directory.GetFiles(folder).Where(f => Path.GetFileName(f) != HashFile);
        if (ContentHashes.Problem(folder, recorded, files, hashes) is string problem) throw new CheckpointException(problem + again);
        return step;
    }

    /// <summary>Trains until <see cref="TrainingOptions.Steps"/>; returns the mean loss of the last 20 steps.</summary>
    /// <param name="attention">Training-time attention (LongLoRA's S2-Attn); null for full causal attention.</param>
    public double Train(Eval.Core.Positional.IPositionalStrategy strategy, Action<TrainingProgress> report, CancellationToken cancel,
        ShiftedSparseAttention? attention = null)
    {
        var parameters = model.named_parameters().Concat(adapters?.named_parameters() ?? []).Where(p => p.parameter.requires_grad).ToList();
        var trainable = parameters.Select(p => p.parameter).ToList();
        var decayed = parameters.Where(p => p.parameter.dim() >= 2).Select(p => p.parameter);
        var plain = parameters.Where(p => p.parameter.dim() < 2).Select(p => p.parameter);
        using var optimizer = optim.AdamW(
            [new AdamW.ParamGroup(decayed, new AdamW.Options { weight_decay = options.WeightDecay }),
             new AdamW.ParamGroup(plain, new AdamW.Options { weight_decay = 0 })],
            lr: options.PeakLearningRate, beta1: 0.9, beta2: 0.95);
        int start = Resume(optimizer);
        var schedule = new LearningRateSchedule(options.PeakLearningRate, options.MinLearningRate, options.WarmupSteps, options.Steps, options.WarmupStartFraction);
        var recent = new Queue<double>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long tokens = 0;

        model.train();
        for (int step = start; step < options.Steps && !cancel.IsCancellationRequested; step++)
        {
            double lr = schedule.At(step);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
            using var scope = NewDisposeScope();
            var (inputs, targets, weights, isAnswer, isCopy) = batches.Batch(options.Seed, step);
            var logits = model.Logits(model.Hidden(inputs, strategy, training: attention));                     // (B, T, V)
            var perToken = nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), targets.view(-1),
                ignore_index: TrainingBatches.IgnoreIndex, reduction: nn.Reduction.None);  // (B*T)
            var flatWeights = weights.view(-1);
            var loss = (perToken * flatWeights).sum() / flatWeights.sum();
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(trainable, options.GradientClip);
            optimizer.step();

            double value = loss.item<float>();
            // Mean loss on passkey answer tokens: it falls below ln(10) per digit only once the model retrieves.
            // Mean loss on copied tokens: it drops far below the text loss once an induction circuit has formed.
            double answerLoss = MaskedMean(perToken, isAnswer), copyLoss = MaskedMean(perToken, isCopy);
            if (!double.IsFinite(value)) throw new InvalidOperationException($"Training loss became {value} at step {step}.");
            tokens += inputs.numel();
            recent.Enqueue(value);
            if (recent.Count > 20) recent.Dequeue();
            report(new TrainingProgress(step + 1, options.Steps, value, answerLoss, copyLoss, lr, tokens / clock.Elapsed.TotalSeconds, clock.Elapsed));
            if ((step + 1) % options.CheckpointEvery == 0 || step + 1 == options.Steps) Save(optimizer, step + 1);
        }
        model.eval();
        return recent.Count == 0 ? double.NaN : recent.Average();
    }

    /// <summary>Mean of <paramref name="perToken"/> (B*T) where <paramref name="mask"/> (B, T) is 1; NaN where it is nowhere.</summary>
    private static double MaskedMean(Tensor perToken, Tensor mask)
    {
        var flat = mask.view(-1);
        float count = flat.sum().item<float>();
        return count > 0 ? (perToken.detach() * flat).sum().item<float>() / count : double.NaN;
    }

    private int Resume(AdamW optimizer)
    {
        if (SavedStep(stateDir) is not int step) return 0;
        Load(Path.Combine(StepDir(step), "model.state"), path => model.load(path));
        if (adapters is not null) Load(Path.Combine(StepDir(step), "adapters.state"), path => adapters.load(path));
        Load(Path.Combine(StepDir(step), "optimizer.state"), path => optimizer.load_state_dict(path));
        return step;
    }

    /// <summary>Names the file when a state that passed its hashes still cannot be read (written by another harness).</summary>
    private static void Load(string path, Action<string> load)
    {
        try { load(path); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointException($"{path}: this training state cannot be read ({e.Message}); remove its folder to train again from the start.");
        }
    }

    /// <summary>
    /// Writes the state of <paramref name="step"/> into its own folder, then points latest.txt at it (rename is
    /// atomic), then removes older folders: a kill at any moment leaves one complete, consistent state.
    /// </summary>
    private void Save(AdamW optimizer, int step)
    {
        string folder = StepDir(step);
        Directory.CreateDirectory(folder);
        model.save(Path.Combine(folder, "model.state"));
        adapters?.save(Path.Combine(folder, "adapters.state"));
        optimizer.save_state_dict(Path.Combine(folder, "optimizer.state"));
        var hashes = ContentHashes.Of(folder, Directory.GetFiles(folder).Where(f => Path.GetFileName(f) != HashFile));
        File.WriteAllLines(Path.Combine(folder, HashFile), hashes.Select(h => $"{h.Value}  {h.Key}"));
        File.WriteAllText(LatestFile + ".tmp", step.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(LatestFile + ".tmp", LatestFile, overwrite: true);
        foreach (string old in Directory.GetDirectories(stateDir, "step-*").Where(d => d != folder))
            Directory.Delete(old, recursive: true);
    }
}
