using System.Diagnostics;
using Eval.Core.Positional;
using Eval.Core.Runtime;
using Eval.Torch.Model;
using static TorchSharp.torch;

namespace Eval.Torch.Bench;

/// <summary>One training step's cost (forward, next-token loss, backward) at a length, with full or S2 attention.</summary>
public sealed record TrainingStepRow(string Attention, int Length, double Seconds, double TokensPerSecond, long PeakMemoryBytes);

/// <summary>
/// Times training steps of a model on random tokens, batch 1: the median of <paramref name="repeats"/> steps after one
/// warm-up, and the peak resident memory across them. Gradients are computed and dropped; no optimizer state.
/// </summary>
public sealed class TrainingStepBenchmark(LlamaForCausalLM model, int repeats)
{
    public TrainingStepRow Measure(int length, IPositionalStrategy strategy, ShiftedSparseAttention? attention)
    {
        model.train();
        var times = new List<double>();
        PeakMemory.Reset();
        for (int i = 0; i <= repeats; i++)
        {
            using var scope = NewDisposeScope();
            var ids = randint(0, model.Architecture.VocabSize, [1, length + 1]);
            var inputs = ids[.., ..length];                                          // (1, L)
            var targets = ids[.., 1..];                                              // (1, L)
            var clock = Stopwatch.StartNew();
            var logits = model.Logits(model.Hidden(inputs, ContextLengthStrategy.For(strategy, length), training: attention)); // (1, L, V)
            var loss = nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), targets.reshape(-1));
            loss.backward();
            if (i > 0) times.Add(clock.Elapsed.TotalSeconds);                        // step 0 warms up
            model.zero_grad();
        }
        model.eval();
        double seconds = times.Order().ElementAt(times.Count / 2);
        string name = attention is null ? "full" : $"s2 (G={attention.GroupSize}, {attention.Shift.ToString().ToLowerInvariant()})";
        return new TrainingStepRow(name, length, seconds, length / seconds, PeakMemory.PeakBytes());
    }
}
