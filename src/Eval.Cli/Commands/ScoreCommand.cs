using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Eval.Core.Models;
using Eval.Core.Positional;

namespace Eval.Cli.Commands;

/// <summary>
/// `eval score`: negative log-likelihood of a token file (or text) under a model and strategy, cut into consecutive
/// non-overlapping chunks of L tokens (a shorter remainder is dropped); every token after the first of a chunk is scored.
/// </summary>
public static class ScoreCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "Checkpoint directory or zoo:NAME.", Required = true };
        var tokens = new Option<FileInfo?>("--tokens") { Description = "File of whitespace-separated token ids." };
        var text = new Option<FileInfo?>("--text") { Description = "Text file, tokenized with the model's tokenizer." };
        var length = new Option<int>("--length") { Description = "Chunk length L in tokens (>= 2).", Required = true };
        var strategy = new Option<string>("--strategy") { Description = "Positional strategy spec, e.g. yarn:factor=8.", DefaultValueFactory = _ => "default" };
        var dtype = new Option<string>("--dtype") { Description = "fp32 or bf16.", DefaultValueFactory = _ => "fp32" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {\"nll_sum\": x, \"tokens\": n, \"ppl\": p}." };
        var command = new Command("score", "Perplexity of a token or text file in non-overlapping chunks of L tokens.")
        {
            model, tokens, text, length, strategy, dtype, json,
        };
        command.SetAction(parse =>
        {
            int chunk = parse.GetValue(length);
            if (chunk < 2) throw new InvalidInputException($"--length {chunk} is not valid: it must be at least 2.");
            FileInfo? tokenFile = parse.GetValue(tokens), textFile = parse.GetValue(text);
            if ((tokenFile is null) == (textFile is null)) throw new InvalidInputException("Give exactly one of --tokens FILE or --text FILE.");
            var file = (tokenFile ?? textFile)!;
            if (!file.Exists) throw new InvalidInputException($"--{(tokenFile is null ? "text" : "tokens")}: {file.FullName} not found.");
            IPositionalStrategy positional;
            try { positional = StrategyRegistry.Create(parse.GetValue(strategy)!); }
            catch (StrategyException e) { throw new InvalidInputException($"--strategy: {e.Message}"); }

            using var lm = ModelOptions.Load(parse.GetValue(model)!, ModelOptions.ParseDType(parse.GetValue(dtype)!));
            try { lm.Strategy = positional; }
            catch (ArgumentException e) { throw new InvalidInputException($"--strategy: {e.Message}"); }
            int[] ids = tokenFile is not null ? ReadTokenIds(tokenFile) : lm.Encode(File.ReadAllText(file.FullName)).ToArray();
            int vocabulary = lm.Model.Architecture.VocabSize;
            // By index, not by a default value: a default of -1 let the bad id -1 through to the embedding.
            if (Array.FindIndex(ids, t => t < 0 || t >= vocabulary) is var at and >= 0)
                throw new InvalidInputException($"{file.FullName}: token id {ids[at]} is outside the model's vocabulary [0, {vocabulary}).");
            int chunks = ids.Length / chunk;
            if (chunks == 0) throw new InvalidInputException($"{file.FullName} has {ids.Length} tokens, fewer than one chunk of {chunk}.");

            var windows = Enumerable.Range(0, chunks).Select(c => new ScoringWindow(ids[(c * chunk)..((c + 1) * chunk)], 1)).ToList();
            double nll = 0;
            long count = 0;
            foreach (var scores in lm.Score(windows))
            {
                nll += scores.Nll.Sum(x => (double)x);
                count += scores.Nll.Length;
            }
            double ppl = Math.Exp(nll / count);
            if (parse.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(new { nll_sum = nll, tokens = count, ppl }));
            else output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{lm.Strategy.Spec}  L={chunk}  chunks={chunks}  tokens scored={count}  nll/token={nll / count:F4}  ppl={ppl:F3}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static int[] ReadTokenIds(FileInfo file)
    {
        var ids = new List<int>();
        int line = 0;
        foreach (string row in File.ReadLines(file.FullName))
        {
            line++;
            foreach (string word in row.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                ids.Add(int.TryParse(word, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id) ? id
                    : throw new InvalidInputException($"{file.FullName}:{line}: \"{word}\" is not a token id."));
        }
        return ids.ToArray();
    }
}
