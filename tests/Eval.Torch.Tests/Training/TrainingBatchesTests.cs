using Eval.Torch.Zoo;
using Eval.Torch.Training;

namespace Eval.Torch.Tests.Training;

public class TrainingBatchesTests
{
    const int Length = 64, Rows = 32;

    /// <summary>A corpus with no repeated token, so any repetition inside a row is a copy the batcher made.</summary>
    static readonly int[] Corpus = Enumerable.Range(10, 5000).ToArray();

    [Test]
    public void Batch_CopyRows_RepeatAnEarlierSpanAndMarkOnlyThePredictableCopiedTokens()
    {
        var batches = new TrainingBatches(Corpus, (_, _) => ([1, 2, 3], 2), passkeyFraction: 0, Length, Rows, copyFraction: 1);
        var batch = batches.Batch(seed: 5, step: 3);
        long[] inputs = batch.Inputs.data<long>().ToArray(), targets = batch.Targets.data<long>().ToArray();
        float[] copied = batch.IsCopy.data<float>().ToArray();
        for (int row = 0; row < Rows; row++)
        {
            var sequence = inputs.Skip(row * Length).Take(Length).Append(targets[row * Length + Length - 1]).ToArray(); // T + 1 tokens
            var marked = Enumerable.Range(0, Length).Where(t => copied[row * Length + t] == 1).Select(t => t + 1).ToArray(); // positions in sequence
            Assert.That(marked.Length, Is.InRange(7, Length / 4 - 1), $"row {row}: n - 1 copied targets, n in [8, T/4]");
            Assert.That(marked.Zip(marked.Skip(1)).All(p => p.Second == p.First + 1), Is.True, "one contiguous span");
            int copyStart = marked[0] - 1, n = marked.Length + 1;
            var span = sequence[copyStart..(copyStart + n)];
            int source = Array.IndexOf(sequence, span[0]);
            Assert.That(source, Is.LessThanOrEqualTo(copyStart - n), $"row {row}: the span occurs earlier, before the copy starts");
            Assert.That(sequence[source..(source + n)], Is.EqualTo(span), $"row {row}: the copy repeats it token for token");
        }
        Assert.That(batch.IsAnswer.sum().item<float>(), Is.Zero);
        Assert.That(batch.Weights.sum().item<float>(), Is.EqualTo(Rows * Length), "every target of a copy row counts");
    }

    [Test]
    public void Batch_WithoutPasskeyOrCopyRows_IsContiguousCorpusWindows()
    {
        var batch = new TrainingBatches(Corpus, (_, _) => ([1, 2, 3], 2), passkeyFraction: 0, Length, Rows).Batch(seed: 5, step: 0);
        long[] inputs = batch.Inputs.data<long>().ToArray(), targets = batch.Targets.data<long>().ToArray();
        for (int i = 0; i < inputs.Length; i++) Assert.That(targets[i], Is.EqualTo(inputs[i] + 1));
        Assert.That(batch.IsCopy.sum().item<float>(), Is.Zero);
    }

    [Test]
    public void Batch_SameSeedAndStep_IsTheSameBatch()
    {
        var batches = new TrainingBatches(Corpus, (_, _) => ([1, 2, 3], 2), passkeyFraction: 0.3, Length, Rows, copyFraction: 0.3);
        Assert.That(batches.Batch(9, 4).Inputs.equal(batches.Batch(9, 4).Inputs).all().item<bool>(), Is.True);
        Assert.That(batches.Batch(9, 4).Inputs.equal(batches.Batch(9, 5).Inputs).all().item<bool>(), Is.False);
    }

    [TestCase(0.6, 0.5)]
    [TestCase(-0.1, 0.5)]
    public void Constructor_FractionsOutOfRange_AreRefused(double passkey, double copy) =>
        Assert.That(() => new TrainingBatches(Corpus, (_, _) => ([1], 0), passkey, Length, Rows, copyFraction: copy),
            Throws.ArgumentException.With.Message.Contains("copy_fraction"));

    [Test]
    public void Batch_PasskeyRow_WeightsAnswerTargetsFromAnswerStartAndIgnoresPadding()
    {
        int askedFor = 0;
        var batches = new TrainingBatches(Corpus, (_, maxTokens) => { askedFor = maxTokens; return ([1, 2, 3, 4, 5, 6, 7, 8], 5); },
            passkeyFraction: 1, length: 16, batchSize: 1, answerWeight: 3);
        var batch = batches.Batch(seed: 5, step: 0);
        Assert.That(askedFor, Is.EqualTo(17), "a row of T inputs holds T + 1 tokens");
        Assert.That(batch.Targets.data<long>().ToArray(), Is.EqualTo(new long[] { 2, 3, 4, 5, 6, 7, 8, -100, -100, -100, -100, -100, -100, -100, -100, -100 }));
        // Target t + 1 is the answer's first token when t + 1 = AnswerStart = 5.
        Assert.That(batch.Weights.data<float>().ToArray(), Is.EqualTo(new float[] { 1, 1, 1, 1, 3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
        Assert.That(batch.IsAnswer.data<float>().ToArray(), Is.EqualTo(new float[] { 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
    }

    [Test]
    public void Batch_DifferentSeeds_AreDifferentBatches()
    {
        var batches = new TrainingBatches(Corpus, (_, _) => ([1, 2, 3], 2), passkeyFraction: 0, Length, Rows);
        Assert.That(batches.Batch(1, 0).Inputs.equal(batches.Batch(2, 0).Inputs).all().item<bool>(), Is.False);
    }

    [Test]
    public void Batch_CorpusOfTwoTokensMoreThanARow_ReadsOnlyInsideIt()
    {
        int[] corpus = Enumerable.Range(10, Length + 2).ToArray();
        var batches = new TrainingBatches(corpus, (_, _) => ([1, 2, 3], 2), passkeyFraction: 0, Length, Rows);
        for (int step = 0; step < 10; step++)
            Assert.That(batches.Batch(5, step).Inputs.max().item<long>(), Is.LessThan(10 + Length + 2));
        Assert.That(() => new TrainingBatches(corpus[..^1], (_, _) => ([1], 0), 0, Length, Rows),
            Throws.ArgumentException.With.Message.Contains($"at least {Length + 2} are needed"));
    }

    [Test]
    public void Constructor_CopyRows_NeedFourMinimumSpansOfLength()
    {
        Assert.That(() => new TrainingBatches(Corpus, (_, _) => ([1], 0), 0, 31, Rows, copyFraction: 0.5),
            Throws.ArgumentException.With.Message.Contains("at least 32 tokens; it is 31"));
        Assert.That(() => new TrainingBatches(Corpus, (_, _) => ([1], 0), 0, 32, Rows, copyFraction: 0.5), Throws.Nothing);
        Assert.That(() => new TrainingBatches(Corpus, (_, _) => ([1], 0), 0, 8, Rows), Throws.Nothing, "no copy rows, no minimum");
    }
}
