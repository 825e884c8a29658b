using Eval.Core.Tuning;
using Eval.Torch.Checkpoints;
using Eval.Torch.Tests.Fixtures;
using Eval.Torch.Tuning;

namespace Eval.Torch.Tests.Cli;

/// <summary>A damaged tuned model in results/tuned/: `eval tune` exits 2 naming the file; in `eval run` only its cases fail.</summary>
public class TuneCommandDamageTests
{
    static (int Exit, string Out, string Err) Eval(params string[] args) => global::Eval.Tests.Cli.CliRunner.Run(args);

    [Test]
    public void TuneAndRun_CachedTunedWeightsDamaged_TuneExitsTwoAndRunFailsOnlyThatModelsCases()
    {
        string work = TinyCheckpoint.TempDirectory();
        try
        {
            string source = TinyCheckpoint.Write(TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(tied: true)), Path.Combine(work, "source"));
            string db = Path.Combine(work, "results", "eval.db"), tuned = Path.Combine(work, "results", "tuned");
            string[] recipe = ["--from", source, "--strategy", "linear:factor=auto", "--length", "128", "--steps", "2", "--warmup", "1"];
            var parsed = TuneRecipe.Parse(new Dictionary<string, string>
                { ["from"] = source, ["strategy"] = "linear:factor=auto", ["length"] = "128", ["steps"] = "2", ["warmup"] = "1" }).Recipe!;
            // Trained here on a slice of the text (the command would tokenize all of it), into the cache the command reads.
            string folder = new FineTuner(tuned, TinyCheckpoint.TrainingTextSlice(Path.Combine(work, "train")))
                .Ensure(parsed, "tiny", source, CheckpointLoader.Fingerprint(source), false, _ => { }, CancellationToken.None);
            string weights = Path.Combine(folder, "model.safetensors");
            var bytes = File.ReadAllBytes(weights);
            bytes[^3] ^= 0x10;
            File.WriteAllBytes(weights, bytes);

            var tune = Eval(["tune", .. recipe, "--db", db]);
            Assert.That(tune.Exit, Is.EqualTo(2), tune.Out + tune.Err);
            Assert.That(tune.Err, Does.Contain($"{weights}: damaged"));

            string suite = Path.Combine(work, "suite.yaml");
            File.WriteAllText(suite, $$"""
                name: damaged
                models:
                  - { path: "{{source}}" }
                  - { tune: { from: "{{source}}", strategy: "linear:factor=auto", length: 128, steps: 2, warmup: 1 }, name: tuned }
                strategies: [default]
                lengths: [64]
                tasks:
                  - perplexity: { protocol: chunks, documents: 1, windows: 1 }
                """);
            var run = Eval("run", suite, "--db", db);
            Assert.That(run.Exit, Is.EqualTo(1), run.Out + run.Err);
            Assert.That(run.Out, Does.Contain("1 computed").And.Contain("1 failed"), run.Out);
            Assert.That(run.Out + run.Err, Does.Contain($"{weights}: damaged"));
        }
        finally { Directory.Delete(work, recursive: true); }
    }
}
