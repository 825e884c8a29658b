using Eval.Cli.Running;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Results;
using Eval.Tests.Fakes;

namespace Eval.Tests.Running;

public class RunModelConfigsTests
{
    string folder = "";

    [SetUp] public void Create() => folder = Directory.CreateTempSubdirectory("run-geometries-").FullName;
    [TearDown] public void Remove() => Directory.Delete(folder, recursive: true);

    void WriteConfig(string model, int headDim, double theta, string encoding)
    {
        string directory = Path.Combine(folder, "models", model);
        Directory.CreateDirectory(directory);
        ModelConfigReader.Write(Path.Combine(directory, "config.json"), new ModelConfig("llama", 4096, headDim * 4, 2, 4, 4, headDim, 64, 1e-5, theta, 4096, null,
            false, false, encoding, 1, [2], null, "float32", null));
    }

    [Test]
    public void Read_ModelsOfTheRun_ReadsEachConfigFoundFromTheSuitesFolder()
    {
        WriteConfig("big-base", 64, 500000, "rope");
        WriteConfig("alibi", 16, 10000, "alibi");
        var run = new RunInfo("r1", "s", Path.Combine(folder, "suite.yaml"), "", DateTime.UnixEpoch, null, RunStatus.Completed, StoredCases.Provenance);
        var cases = new[]
        {
            StoredCases.Perplexity("models/big-base", "default", 512, 2, 100, 1, trained: 1024),
            StoredCases.Perplexity("models/alibi", "alibi", 512, 2, 100, 1),
            StoredCases.Perplexity("models/gone", "default", 512, 2, 100, 1),
        };
        var configs = RunModelConfigs.Read(run, cases);
        Assert.That(configs.Keys, Is.EquivalentTo(new[] { "models/big-base", "models/alibi" }), "a checkpoint no longer there is left out");
        Assert.That((configs["models/big-base"].HeadDim, configs["models/big-base"].RopeTheta), Is.EqualTo((64, 500000.0)));
        Assert.That(configs["models/alibi"].PositionEncoding, Is.EqualTo("alibi"));
        // The report's geometry: the config's head_dim and theta, the trained length recorded with the cases; none for ALiBi.
        var data = new Eval.Reporting.ReportData(run, cases, null, configs);
        Assert.That(data.Geometry("models/big-base"), Is.EqualTo(new RopeGeometry(64, 500000, 1024)));
        Assert.That(data.Geometry("models/alibi"), Is.Null);
    }
}
