using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Torch.Checkpoints;
using Eval.Torch.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// A TorchSharp causal language model of any family (<see cref="CausalLMFamilies"/>) behind the harness's <see cref="ILanguageModel"/> contract. Every call runs
/// under no_grad with one dispose scope, so nothing accumulates across windows or cases.
/// </summary>
public sealed class TorchLanguageModel : ILanguageModel
{
    private readonly CausalLM model;
    private readonly ModelTokenizer? tokenizer;
    private readonly Device device;
    private IPositionalStrategy strategy;

    /// <param name="tokenizer">The model's tokenizer; null for weight-free synthetic models that only score token ids.</param>
    public TorchLanguageModel(CausalLM model, ModelTokenizer? tokenizer, Device? device = null, IPositionalStrategy? strategy = null)
    {
        this.model = model;
        this.tokenizer = tokenizer;
        this.device = device ?? CPU;
        this.strategy = strategy ?? model.Shape.NativeStrategy();
    }

    /// <summary>Loads a checkpoint directory; <paramref name="trainedLength"/> overrides the config's L0.</summary>
    public static TorchLanguageModel Load(string directory, ScalarType dtype, Device? device = null, int? trainedLength = null, string? fingerprint = null)
    {
        var loaded = CheckpointLoader.Load(directory, dtype, device, trainedLength, fingerprint);
        return new TorchLanguageModel(loaded.Model, loaded.Tokenizer, device) { Fingerprint = loaded.Fingerprint, Config = loaded.Config };
    }

    /// <summary>The config.json the model was built from (for a synthetic model, its architecture's): what cost figures read.</summary>
    public Eval.Core.Models.ModelConfig? Config { get; init; }

    /// <summary>The content fingerprint of the checkpoint this model was loaded from, when it was loaded from one.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>
    /// The default <see cref="BatchTokenBudget"/>. 2,048, not more: larger passes make intermediates over 32 MB, glibc's
    /// largest mmap threshold, and each is then mapped and zeroed afresh (see HugePages); the 100M model in bf16 at 1,024
    /// tokens ran 1,213 tok/s at 2,048 and 597 at 4,096 in a round no other run overlapped (2026-12-07).
    /// </summary>
    public const int DefaultBatchTokenBudget = 2048;

    /// <summary>Windows per forward pass are limited so that B x T stays under this many tokens.</summary>
    public int BatchTokenBudget { get; set; } = DefaultBatchTokenBudget;

    public CausalLM Model => model;
    public int TrainedLength => model.Shape.TrainedLength;
    public int? BosId => tokenizer?.BosId;
    public int? EosId => tokenizer?.EosId;

    public IPositionalStrategy Strategy
    {
        get => strategy;
        set
        {
            PositionalAttention.EnsureCompatible(value, model.Shape.Encoding);
            strategy = value;
        }
    }

    public IReadOnlyList<int> Encode(string text) => Tokenizer.Encode(text);
    public string Decode(IReadOnlyList<int> ids) => Tokenizer.Decode(ids);

    private ModelTokenizer Tokenizer => tokenizer ?? throw new InvalidOperationException("This model has no tokenizer (a synthetic model scores token ids only).");

    public IReadOnlyList<WindowScores> Score(IReadOnlyList<ScoringWindow> windows)
    {
        var results = new WindowScores[windows.Count];
        foreach (var group in windows.Select((w, i) => (Window: w, Index: i)).GroupBy(x => x.Window.Tokens.Length))
        {
            int length = group.Key;
            int perBatch = Math.Max(1, BatchTokenBudget / Math.Max(1, length));
            foreach (var batch in group.Chunk(perBatch))
            {
                var scores = ScoreBatch(batch.Select(x => x.Window).ToList());
                for (int i = 0; i < batch.Length; i++) results[batch[i].Index] = scores[i];
            }
        }
        return results;
    }

    private List<WindowScores> ScoreBatch(List<ScoringWindow> batch)
    {
        int length = batch[0].Tokens.Length;
        foreach (var w in batch)
            if (w.FirstTarget < 1 || w.FirstTarget >= length)
                throw new ArgumentException($"FirstTarget {w.FirstTarget} is outside [1, {length - 1}] for a window of {length} tokens.");
        int first = batch.Min(w => w.FirstTarget);
        bool ranks = batch.Any(w => w.WithRanks);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(batch.SelectMany(w => w.Tokens.Select(t => (long)t)).ToArray(), [batch.Count, length]).to(device); // (B, T)
        var hidden = model.Hidden(ids, strategy);                                          // (B, T, D)
        // Hidden state at position t predicts token t + 1: rows first-1 .. T-2 score tokens first .. T-1.
        var predicting = hidden[.., TensorIndex.Slice(first - 1, length - 1)];             // (B, P, D)
        var targets = ids[.., TensorIndex.Slice(first, length)];                          // (B, P)
        var (nll, rank) = ChunkedLogProbs.Compute(model, predicting, targets, ranks);
        float[] nllValues = nll.cpu().data<float>().ToArray();
        int[]? rankValues = rank?.cpu().data<int>().ToArray();

        int positions = length - first;
        return batch.Select((w, b) =>
        {
            int skip = w.FirstTarget - first, count = length - w.FirstTarget;
            float[] windowNll = nllValues.AsSpan(b * positions + skip, count).ToArray();
            int[]? windowRanks = w.WithRanks ? rankValues!.AsSpan(b * positions + skip, count).ToArray() : null;
            return new WindowScores(windowNll, windowRanks);
        }).ToList();
    }

    public IReadOnlyList<int> GenerateGreedy(IReadOnlyList<int> prompt, int maxNewTokens)
    {
        if (prompt.Count == 0) throw new ArgumentException("The prompt is empty.");
        var generated = new List<int>();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var cache = new KvCache(model.Shape.Layers);
        // Frequencies are fixed for the whole generation, from its final length, so cached keys and new queries agree.
        int frequencyLength = prompt.Count + maxNewTokens;
        var input = tensor(prompt.Select(t => (long)t).ToArray(), [1, prompt.Count]).to(device);
        for (int step = 0; step < maxNewTokens; step++)
        {
            using var stepScope = NewDisposeScope();
            var hidden = model.Hidden(input, strategy, cache, frequencyLength);              // (1, T, D)
            var logits = model.Logits(hidden[.., -1]);                                       // (1, V)
            int next = (int)logits.argmax(-1).item<long>();
            generated.Add(next);
            if (next == EosId) break;
            input = tensor(new long[] { next }, [1, 1]).to(device).MoveToOuterDisposeScope();
        }
        return generated;
    }

    public void Dispose() => model.Dispose();
}
