using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using Eval.Torch.Tokenization;
using TorchSharp;
using static TorchSharp.torch;
using Eval.Torch.Training;

namespace Eval.Torch.Zoo;

/// <summary>
/// Summary of a trained zoo model, written beside its checkpoint as zoo.json and shown by `eval zoo list`. Seconds is
/// this process's wall time, CpuSeconds its processor time: the honest cost when several trainings share the cores.
/// </summary>
public sealed record ZooCard(string Name, string Family, long Parameters, int TrainingLength, int Steps, long TrainingTokens,
    double FinalLoss, double ValidationPerplexity, long ValidationTokens, string ValidationDocument, int Seed, int Threads,
    double Seconds, double CpuSeconds, string Command);

/// <summary>
/// Trains one zoo model end to end: tokenizes the training corpus, runs <see cref="TrainingLoop"/> (resumable from
/// <c>stateDir</c>), measures held-out perplexity at the training length, and writes an HF-format checkpoint
/// (config.json, bf16 model.safetensors, tokenizer.model) plus zoo.json and training.log.
/// </summary>
public sealed class ZooBuilder(string zooFolder, string corporaFolder)
{
    public const string ValidationBook = "carroll-alice";

    public ZooCard Train(ZooModelSpec spec, string outputFolder, string stateDir, int? steps, Action<string> log, CancellationToken cancel)
    {
        var tokenizer = ModelTokenizer.Load(zooFolder);
        var clock = Stopwatch.StartNew();
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        log($"tokenizing {Path.Combine(corporaFolder, "train")} ...");
        int[] corpus = TrainingCorpus.Tokenize(Path.Combine(corporaFolder, "train"), tokenizer);
        log($"training corpus: {corpus.Length:N0} tokens");

        var options = steps is int s ? spec.Training with { Steps = s, WarmupSteps = Math.Min(spec.Training.WarmupSteps, Math.Max(1, s / 10)) } : spec.Training;
        var model = new LlamaForCausalLM(spec.Architecture);
        ZooInitializer.Initialize(model, options.Seed);
        var passkeys = new PasskeySequences(tokenizer);
        var batches = new TrainingBatches(corpus, passkeys.Next, options.PasskeyFraction, options.Length, options.BatchSize, options.AnswerWeight,
            options.CopyFraction);
        var strategy = spec.Architecture.NativeStrategy();

        Directory.CreateDirectory(outputFolder);
        string logPath = Path.Combine(outputFolder, "training.log");
        using var trainingLog = new StreamWriter(logPath, append: File.Exists(Path.Combine(stateDir, "latest.txt")));
        if (trainingLog.BaseStream.Position == 0) trainingLog.WriteLine(TrainingLog.Header);
        var lines = new TrainingLog(trainingLog, TrainingLog.Interval(options.Steps));
        int printEvery = Math.Max(10, options.Steps / 200);
        var trainer = new TrainingLoop(model, batches, options, stateDir);
        double finalLoss = trainer.Train(strategy, p =>
        {
            lines.Add(p);
            if (p.Step % printEvery == 0 || p.Step == p.TotalSteps)
            {
                var eta = TimeSpan.FromSeconds((p.TotalSteps - p.Step) * options.BatchSize * options.Length / Math.Max(1, p.TokensPerSecond));
                log(string.Create(CultureInfo.InvariantCulture,
                    $"{spec.Name} step {p.Step}/{p.TotalSteps}  loss {p.Loss:F3}  answer {StepLoss(p.AnswerLoss)}  copy {StepLoss(p.CopyLoss)}  lr {p.LearningRate:E2}  {p.TokensPerSecond:N0} tok/s  eta {eta:hh\\:mm\\:ss}"));
            }
        }, cancel);
        if (cancel.IsCancellationRequested) throw new OperationCanceledException("Training stopped; run the same command again to resume.");

        // The checkpoint is what users load: bf16 halves its size and the runtime upcasts when asked for fp32.
        var weights = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().to(ScalarType.BFloat16));
        CheckpointWeights.Save(outputFolder, weights);
        foreach (var t in weights.Values) t.Dispose();
        ModelConfigReader.Write(Path.Combine(outputFolder, "config.json"), spec.Architecture.ToConfig("bfloat16"));
        File.Copy(Path.Combine(zooFolder, "tokenizer.model"), Path.Combine(outputFolder, "tokenizer.model"), overwrite: true);
        model.Dispose();

        using var reloaded = TorchLanguageModel.Load(outputFolder, ScalarType.Float32);
        var (ppl, tokens) = ValidationPerplexity(reloaded);
        var card = new ZooCard(spec.Name, spec.Architecture.Encoding == PositionEncoding.Rope
                ? $"rope (theta {spec.Architecture.RopeTheta.ToString(CultureInfo.InvariantCulture)})"
                : spec.Architecture.Encoding.ToString().ToLowerInvariant(),
            spec.ParameterCount, options.Length, options.Steps, (long)options.Steps * options.BatchSize * options.Length,
            finalLoss, ppl, tokens, ValidationBook, options.Seed, get_num_threads(), clock.Elapsed.TotalSeconds,
            (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds,
            $"eval zoo train {spec.Name}" + (steps is null ? "" : $" --steps {steps}"));
        File.WriteAllText(Path.Combine(outputFolder, "zoo.json"), JsonSerializer.Serialize(card, new JsonSerializerOptions { WriteIndented = true }));
        log(string.Create(CultureInfo.InvariantCulture, $"{spec.Name}: validation perplexity {ppl:F2} over {tokens} tokens of {ValidationBook} at L={options.Length}"));
        return card;
    }

    /// <summary>Token-weighted perplexity over the first 32 consecutive training-length windows of a held-out book.</summary>
    public (double Perplexity, long Tokens) ValidationPerplexity(TorchLanguageModel model)
    {
        string path = Path.Combine(corporaFolder, "eval", ValidationBook + ".txt.gz");
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var ids = model.Encode(reader.ReadToEnd());
        int length = model.TrainedLength;
        var windows = Enumerable.Range(0, Math.Min(32, ids.Count / length))
            .Select(w => new ScoringWindow(ids.Skip(w * length).Take(length).ToArray(), 1)).ToList();
        var scores = model.Score(windows);
        double nll = scores.Sum(s => s.Nll.Sum(x => (double)x));
        long count = scores.Sum(s => (long)s.Nll.Length);
        return (Math.Exp(nll / count), count);
    }

    /// <summary>A step's passkey-answer or copy loss; a step whose batch has no such rows shows "-" rather than NaN.</summary>
    private static string StepLoss(double loss) => double.IsNaN(loss) ? "-" : loss.ToString("F2", CultureInfo.InvariantCulture);
}
