using Eval.Core.Models;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;

namespace Eval.Torch.Tests.Model;

/// <summary>The registry model_type -> family and the config reader agree on what the harness loads.</summary>
public class CausalLMFamiliesTests
{
    [Test]
    public void Registry_HostsExactlyTheModelTypesTheConfigReaderReads()
    {
        var hosted = CausalLMFamilies.All.SelectMany(f => f.ModelTypes).ToList();
        Assert.That(hosted, Is.Unique);
        Assert.That(hosted, Is.EquivalentTo(ModelConfig.SupportedModelTypes));
    }

    [Test]
    public void For_AModelTypeWithoutAFamily_IsRefusedNamingItAndTheHostedOnes()
    {
        var e = Assert.Throws<CheckpointException>(() => CausalLMFamilies.For("mamba", "m/config.json"))!;
        Assert.That(e.Message, Does.StartWith("m/config.json: model_type \"mamba\"").And.Contain("gpt_neox, gpt2, phi3, bloom"));
    }
}
