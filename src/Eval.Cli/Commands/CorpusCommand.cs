using System.CommandLine;
using System.Globalization;
using Eval.Core.Corpora;
using Eval.Core.Runtime;
using Eval.Torch.Tokenization;

namespace Eval.Cli.Commands;

/// <summary>
/// `eval corpus longrange`: writes the long-range corpus (suites/corpora/longrange/longrange.jsonl) from the held-out
/// addresses, with distances in the zoo tokenizer's tokens. Run by suites/corpora/regenerate.sh; deterministic.
/// </summary>
public static class CorpusCommand
{
    public static Command Create(TextWriter output)
    {
        var corpus = new Command("corpus", "Build the derived evaluation corpora from the bundled ones.");
        var outFile = new Option<string?>("--out") { Description = $"Output .jsonl file (default {LongRangeFile.BundledPath})." };
        var longRange = new Command("longrange",
            $"Held-out addresses with passages of {LongRangeCorpus.MinPassage}-{LongRangeCorpus.MaxPassage} tokens repeated verbatim at distances " +
            $"{string.Join(", ", LongRangeCorpus.Distances)} (zoo tokens), for keyppl.") { outFile };
        longRange.SetAction(parse =>
        {
            string heldout = RepositoryPaths.Find("suites/corpora/heldout") ?? throw new InvalidInputException("No suites/corpora/heldout above the current directory; run from the repository.");
            string zoo = RepositoryPaths.Find("suites/zoo") ?? throw new InvalidInputException("No suites/zoo above the current directory; run from the repository.");
            var tokenizer = ModelTokenizer.Load(zoo);
            var documents = LongRangeCorpus.Build(DocumentSource.Load(heldout), word => tokenizer.Encode(word).Count);
            // The builder counts tokens word by word; the whole text must tokenize to the same positions, or a distance is off.
            foreach (var d in documents)
                foreach (var r in d.Repeats)
                {
                    int apart = tokenizer.Encode(d.Text[..r.Repeat.Start]).Count - tokenizer.Encode(d.Text[..r.Source.Start]).Count;
                    if (apart != r.TokensApart) throw new InvalidOperationException($"{d.Id}: a repeat at {r.Repeat.Start} is {apart} tokens from its source, planned {r.TokensApart}.");
                }
            string path = parse.GetValue(outFile) ?? Path.Combine(Path.GetDirectoryName(heldout)!, "longrange", "longrange.jsonl");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            LongRangeFile.Write(path, documents);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{path}: {documents.Count} documents, {documents.Sum(d => tokenizer.Encode(d.Text).Count)} zoo tokens, {new FileInfo(path).Length} bytes"));
            foreach (var g in documents.SelectMany(d => d.Repeats).GroupBy(r => r.Distance).OrderBy(g => g.Key))
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  distance {g.Key,5}: {g.Count(),3} repeats, tokens apart {g.Min(r => r.TokensApart)}-{g.Max(r => r.TokensApart)}, passages {g.Min(r => r.PassageTokens)}-{g.Max(r => r.PassageTokens)} tokens"));
            return ExitCodes.Ok;
        });
        corpus.Subcommands.Add(longRange);
        return corpus;
    }
}
