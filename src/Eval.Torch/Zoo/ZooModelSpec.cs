using Eval.Torch.Model;
using Eval.Torch.Training;

namespace Eval.Torch.Zoo;

/// <summary>One zoo model as defined in suites/zoo/zoo.yaml: its architecture and how it is trained.</summary>
public sealed record ZooModelSpec(string Name, LlamaArchitecture Architecture, TrainingOptions Training)
{
    /// <summary>Parameters of the member, from the config.json it is written with.</summary>
    public long ParameterCount => new Eval.Core.Models.ModelCost(Architecture.ToConfig("float32"), sizeof(float)).TotalParameters;
}
