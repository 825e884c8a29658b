using static TorchSharp.torch;

namespace Eval.Torch.Zoo;

/// <summary>
/// Seeded training batches of (inputs, targets), each (B, T): random windows of natural text, mixed with
/// passkey-format sequences so that every zoo model learns to retrieve a passkey inside its training length.
/// Targets of padding positions are <see cref="IgnoreIndex"/>; weights are 0 there, <c>answerWeight</c> on the
/// answer of a passkey sequence (the tokens only long-range retrieval can predict), 1 elsewhere.
/// </summary>
public sealed class TrainingBatches
{
    public const long IgnoreIndex = -100;

    private readonly int[] text;
    private readonly Func<Random, int, (int[] Tokens, int AnswerStart)> passkeySequence;
    private readonly double answerWeight;
    private readonly double passkeyFraction;
    private readonly int length;
    private readonly int batchSize;

    /// <param name="text">The tokenized training corpus, documents joined with BOS/EOS separators.</param>
    /// <param name="passkeySequence">Makes one passkey sequence (prompt, answer, EOS) of at most the given tokens.</param>
    /// <param name="passkeyFraction">Share of rows that are passkey sequences.</param>
    public TrainingBatches(int[] text, Func<Random, int, (int[] Tokens, int AnswerStart)> passkeySequence, double passkeyFraction, int length, int batchSize,
        double answerWeight = 1)
    {
        this.answerWeight = answerWeight;
        if (text.Length <= length + 1)
            throw new ArgumentException($"The training corpus has {text.Length} tokens; at least {length + 2} are needed.");
        (this.text, this.passkeySequence, this.passkeyFraction, this.length, this.batchSize) =
            (text, passkeySequence, passkeyFraction, length, batchSize);
    }

    /// <summary>Batch number <paramref name="step"/>; a pure function of (seed, step), so a resumed run sees the same data.</summary>
    public TrainingBatch Batch(int seed, int step)
    {
        var random = new Random(unchecked(seed * 1_000_003 + step)); // .NET's seeded Random is stable across runs
        var inputs = new long[batchSize * length];
        var targets = new long[batchSize * length];
        var weights = new float[batchSize * length];
        var answer = new float[batchSize * length];
        for (int row = 0; row < batchSize; row++)
        {
            var (sequence, answerStart) = random.NextDouble() < passkeyFraction
                ? passkeySequence(random, length + 1)
                : (text.AsSpan(random.Next(0, text.Length - length - 1), length + 1).ToArray(), int.MaxValue);
            for (int t = 0; t < length; t++)
            {
                bool real = t + 1 < sequence.Length;
                inputs[row * length + t] = t < sequence.Length ? sequence[t] : 0;
                targets[row * length + t] = real ? sequence[t + 1] : IgnoreIndex;
                bool isAnswer = real && t + 1 >= answerStart;
                weights[row * length + t] = !real ? 0 : isAnswer ? (float)answerWeight : 1;
                answer[row * length + t] = isAnswer ? 1 : 0;
            }
        }
        return new TrainingBatch(tensor(inputs, [batchSize, length]), tensor(targets, [batchSize, length]),
            tensor(weights, [batchSize, length]), tensor(answer, [batchSize, length]));
    }
}

/// <summary>One batch, every tensor (B, T): inputs, next-token targets, loss weights, and 1 where the target is a passkey answer token.</summary>
public sealed record TrainingBatch(Tensor Inputs, Tensor Targets, Tensor Weights, Tensor IsAnswer);
