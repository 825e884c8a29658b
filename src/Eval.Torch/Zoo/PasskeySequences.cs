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
    public (int[] Tokens, int AnswerStart) Next(Random random, int maxTokens)
    {
        string key = random.NextInt64((long)Math.Pow(10, digits - 1), (long)Math.Pow(10, digits)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        int answerTokens = tokenizer.Encode(" " + key + ".").Count + 2; // + BOS + EOS
        int target = random.Next(Math.Min(48, maxTokens - answerTokens), maxTokens - answerTokens + 1);
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
