using static TorchSharp.torch;

namespace Eval.Torch.Training;

/// <summary>
/// Seeded training batches of (inputs, targets), each (B, T). Each row is one of three kinds:
/// a random window of natural text; a passkey-format sequence, so that every zoo model learns to retrieve a
/// passkey inside its training length; or a copy row, a text window in which a span reappears later, so that
/// copying what followed an earlier occurrence (the induction circuit retrieval needs) pays off on many tokens.
/// Targets of padding positions are <see cref="IgnoreIndex"/>; weights are 0 there, <c>answerWeight</c> on the
/// answer of a passkey sequence (the tokens only long-range retrieval can predict), 1 elsewhere.
/// </summary>
public sealed class TrainingBatches
{
    public const long IgnoreIndex = -100;
    private const int MinCopySpan = 8;

    private readonly int[] text;
    private readonly Func<Random, int, (int[] Tokens, int AnswerStart)> passkeySequence;
    private readonly double answerWeight;
    private readonly double passkeyFraction;
    private readonly double copyFraction;
    private readonly int length;
    private readonly int batchSize;

    /// <param name="text">The tokenized training corpus, documents joined with BOS/EOS separators.</param>
    /// <param name="passkeySequence">Makes one passkey sequence (prompt, answer, EOS) of at most the given tokens.</param>
    /// <param name="passkeyFraction">Share of rows that are passkey sequences.</param>
    /// <param name="copyFraction">Share of rows that are copy rows.</param>
    public TrainingBatches(int[] text, Func<Random, int, (int[] Tokens, int AnswerStart)> passkeySequence, double passkeyFraction, int length, int batchSize,
        double answerWeight = 1, double copyFraction = 0)
    {
        if (text.Length <= length + 1)
            throw new ArgumentException($"The training corpus has {text.Length} tokens; at least {length + 2} are needed.");
        if (passkeyFraction < 0 || copyFraction < 0 || passkeyFraction + copyFraction > 1)
            throw new ArgumentException($"passkey_fraction {passkeyFraction} and copy_fraction {copyFraction} must be >= 0 and sum to at most 1.");
        if (copyFraction > 0 && length < 4 * MinCopySpan)
            throw new ArgumentException($"Copy rows need a training length of at least {4 * MinCopySpan} tokens; it is {length}.");
        (this.text, this.passkeySequence, this.passkeyFraction, this.copyFraction, this.length, this.batchSize, this.answerWeight) =
            (text, passkeySequence, passkeyFraction, copyFraction, length, batchSize, answerWeight);
    }

    /// <summary>Batch number <paramref name="step"/>; a pure function of (seed, step), so a resumed run sees the same data.</summary>
    public TrainingBatch Batch(int seed, int step)
    {
        var random = new Random(unchecked(seed * 1_000_003 + step)); // .NET's seeded Random is stable across runs
        var inputs = new long[batchSize * length];
        var targets = new long[batchSize * length];
        var weights = new float[batchSize * length];
        var answer = new float[batchSize * length];
        var copied = new float[batchSize * length];
        for (int row = 0; row < batchSize; row++)
        {
            double kind = random.NextDouble();
            var (sequence, answerStart, copyStart, copyEnd) = kind < passkeyFraction
                ? Passkey(random)
                : kind < passkeyFraction + copyFraction ? CopyRow(random) : (TextWindow(random), int.MaxValue, 0, 0);
            for (int t = 0; t < length; t++)
            {
                int i = row * length + t;
                bool real = t + 1 < sequence.Length;
                inputs[i] = t < sequence.Length ? sequence[t] : 0;
                targets[i] = real ? sequence[t + 1] : IgnoreIndex;
                bool isAnswer = real && t + 1 >= answerStart;
                weights[i] = !real ? 0 : isAnswer ? (float)answerWeight : 1;
                answer[i] = isAnswer ? 1 : 0;
                copied[i] = t + 1 > copyStart && t + 1 < copyEnd ? 1 : 0; // the copy's first token has nothing to copy from yet
            }
        }
        return new TrainingBatch(tensor(inputs, [batchSize, length]), tensor(targets, [batchSize, length]),
            tensor(weights, [batchSize, length]), tensor(answer, [batchSize, length]), tensor(copied, [batchSize, length]));
    }

    private (int[], int, int, int) Passkey(Random random)
    {
        var (tokens, answerStart) = passkeySequence(random, length + 1);
        return (tokens, answerStart, 0, 0);
    }

    private int[] TextWindow(Random random) => text.AsSpan(random.Next(0, text.Length - length - 1), length + 1).ToArray();

    /// <summary>
    /// A text window of T + 1 tokens where the span [source, source + n) is written again at [copy, copy + n),
    /// with natural text between and after: n in [8, T/4], the copy starting anywhere after the source ends.
    /// </summary>
    private (int[], int, int, int) CopyRow(Random random)
    {
        var window = TextWindow(random);
        int n = random.Next(MinCopySpan, length / 4 + 1);
        int source = random.Next(0, window.Length - 2 * n + 1);
        int copy = random.Next(source + n, window.Length - n + 1);
        Array.Copy(window, source, window, copy, n);
        return (window, int.MaxValue, copy, copy + n);
    }
}

/// <summary>
/// One batch, every tensor (B, T): inputs, next-token targets, loss weights, 1 where the target is a passkey answer
/// token, and 1 where the target is a copied token that an earlier occurrence predicts.
/// </summary>
public sealed record TrainingBatch(Tensor Inputs, Tensor Targets, Tensor Weights, Tensor IsAnswer, Tensor IsCopy);
