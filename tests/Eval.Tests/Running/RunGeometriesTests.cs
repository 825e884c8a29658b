using Eval.Cli.Running;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Results;
using Eval.Tests.Fakes;

namespace Eval.Tests.Running;

public class RunGeometriesTests
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
    public void Read_ModelsOfTheRun_TakesHeadDimAndThetaFromEachConfigAndTheTrainedLengthFromItsCases()
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
        var geometries = RunGeometries.Read(run, cases);
        Assert.That(geometries, Is.EqualTo(new Dictionary<string, RopeGeometry> { ["models/big-base"] = new(64, 500000, 1024) }),
            "ALiBi has no RoPE geometry; a checkpoint no longer there is left out");
    }
}
