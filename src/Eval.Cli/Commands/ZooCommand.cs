using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Eval.Core.Runtime;
using Eval.Core.Validation;
using Eval.Torch.Zoo;

namespace Eval.Cli.Commands;

/// <summary>`eval zoo train NAME` and `eval zoo list`: the small models the harness trains itself (suites/zoo/zoo.yaml).</summary>
public static class ZooCommand
{
    public static Command Create(TextWriter output)
    {
        var zoo = new Command("zoo", "Train and list the bundled zoo of small models (defined in suites/zoo/zoo.yaml).");
        zoo.Subcommands.Add(Train(output));
        zoo.Subcommands.Add(List(output));
        return zoo;
    }

    private static string ZooFolder() => RepositoryPaths.Find(Path.Combine("suites", "zoo"))
        ?? throw new InvalidInputException("No suites/zoo folder found above the current directory; run from the repository.");

    /// <summary>The zoo definition; a mistake in it is bad input (exit 2) with the message naming file, model and key.</summary>
    private static IReadOnlyList<ZooModelSpec> LoadCatalog(string folder)
    {
        string path = Path.Combine(folder, "zoo.yaml");
        try { return ZooCatalog.Load(path, vocabSize: 4096); }
        catch (FormatException e) { throw new InvalidInputException(e.Message); }
        catch (YamlDotNet.Core.YamlException e) { throw new InvalidInputException($"{path}:{e.Start.Line}:{e.Start.Column}: {e.Message}"); }
    }

    private static Command Train(TextWriter output)
    {
        var name = new Argument<string>("NAME") { Description = "Zoo model name from suites/zoo/zoo.yaml." };
        var steps = new Option<int?>("--steps") { Description = "Override the number of training steps (for quick checks)." };
        var outDir = new Option<string?>("--out") { Description = "Output folder (default: suites/zoo/NAME)." };
        var threads = new Option<int?>("--threads") { Description = "libtorch CPU threads (default: libtorch's choice)." };
        var command = new Command("train", "Train one zoo model and write an HF-format checkpoint. Running it again resumes.") { name, steps, outDir, threads };
        command.SetAction((parse, cancel) =>
        {
            string folder = ZooFolder();
            var catalog = LoadCatalog(folder);
            string wanted = parse.GetValue(name)!;
            var spec = catalog.FirstOrDefault(m => m.Name == wanted) ?? throw new InvalidInputException(
                $"Unknown zoo model \"{wanted}\" in {Path.Combine(folder, "zoo.yaml")}. Available: {string.Join(", ", catalog.Select(m => m.Name))}." +
                DidYouMean.Hint(wanted, catalog.Select(m => m.Name)));
            int? requested = parse.GetValue(steps);
            if (requested is < 1) throw new InvalidInputException($"--steps {requested} is not valid: it must be >= 1.");
            if (parse.GetValue(threads) is int t) TorchSharp.torch.set_num_threads(t);
            string corpora = RepositoryPaths.Find(Path.Combine("suites", "corpora"), folder)
                ?? throw new InvalidInputException("No suites/corpora folder found; run suites/corpora/regenerate.sh.");
            string target = parse.GetValue(outDir) ?? Path.Combine(folder, spec.Name);
            string results = RepositoryPaths.Find("results", folder) ?? Path.Combine(folder, "..", "..", "results");
            string state = Path.Combine(results, "zoo-state", spec.Name + (requested is int r ? $"-steps{r}" : ""));
            var card = new ZooBuilder(folder, corpora).Train(spec, target, state, requested,
                line => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}"), cancel);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {target}: {card.Parameters:N0} parameters, final loss {card.FinalLoss:F3}, validation ppl {card.ValidationPerplexity:F2}"));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command List(TextWriter output)
    {
        var command = new Command("list", "Show each zoo model: family, size, training length, validation perplexity and processor minutes of training.");
        command.SetAction(_ =>
        {
            string folder = ZooFolder();
            var catalog = LoadCatalog(folder);
            output.WriteLine($"{"name",-10} {"family",-22} {"params",10} {"train len",9} {"steps",6} {"val ppl",8}  status");
            foreach (var spec in catalog)
            {
                string card = Path.Combine(folder, spec.Name, "zoo.json");
                var trained = File.Exists(card) ? JsonSerializer.Deserialize<ZooCard>(File.ReadAllText(card)) : null;
                string family = spec.Architecture.Encoding == Torch.Model.PositionEncoding.Rope
                    ? $"rope (theta {spec.Architecture.RopeTheta.ToString(CultureInfo.InvariantCulture)})"
                    : spec.Architecture.Encoding.ToString().ToLowerInvariant();
                string ppl = trained is null ? "-" : trained.ValidationPerplexity.ToString("F2", CultureInfo.InvariantCulture);
                string status = trained is null ? $"not trained (eval zoo train {spec.Name})"
                    : trained.CpuSeconds > 0 ? string.Create(CultureInfo.InvariantCulture, $"trained ({trained.CpuSeconds / 60:F0} core-min)") : "trained";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{spec.Name,-10} {family,-22} {spec.ParameterCount,10:N0} {spec.Training.Length,9} {trained?.Steps ?? spec.Training.Steps,6} {ppl,8}  {status}"));
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
