using Eval.Core.Tasks;
using Eval.Torch.Tokenization;

namespace Eval.Torch.Zoo;

/// <summary>
/// Passkey-format training sequences: BOS, a prompt of the passkey task fitted to a random length and depth,
/// then " KEY." and EOS, so the model learns to answer the question the passkey task will ask. The answer's
/// position is returned too, so the trainer can weight the few tokens that need long-range retrieval.
/// </summary>
public sealed class PasskeySequences(ModelTokenizer tokenizer, int digits = 5)
{
    /// <summary>
    /// Share of sequences that fill the whole row; the rest have a uniform length from 48 tokens up. The passkey task
    /// asks at exactly the training length, and with uniform lengths alone the NoPE model (which must infer order from
    /// the causal mask) retrieved every key at 192 tokens but only 89% at 240.
    /// </summary>
    public const double FullLengthShare = 0.5;

    public (int[] Tokens, int AnswerStart) Next(Random random, int maxTokens)
    {
        string key = random.NextInt64((long)Math.Pow(10, digits - 1), (long)Math.Pow(10, digits)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        int answerTokens = tokenizer.Encode(" " + key + ".").Count + 2; // + BOS + EOS
        int longest = maxTokens - answerTokens;
        int target = random.NextDouble() < FullLengthShare ? longest : random.Next(Math.Min(48, longest), longest + 1);
        var (prompt, _) = PasskeyPrompt.Fit(key, target, random.NextDouble(), text => tokenizer.Encode(text).Count);
        var sequence = new List<int>();
        if (tokenizer.BosId is int bos) sequence.Add(bos);
        var promptIds = tokenizer.Encode(prompt);
        var full = tokenizer.Encode(prompt + " " + key + ".");
        int shared = 0;
        while (shared < Math.Min(promptIds.Count, full.Count) && promptIds[shared] == full[shared]) shared++;
        sequence.AddRange(full);
        if (tokenizer.EosId is int eos) sequence.Add(eos);
        return (sequence.Take(maxTokens).ToArray(), sequence.Count - full.Count + shared);
    }
}
