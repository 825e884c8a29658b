using Eval.Core.Positional;

namespace Eval.Torch.Model;

/// <summary>
/// What the shared machinery (positions, attention variants, caches, scoring, cost figures) needs to know of a decoder,
/// whatever its family: sizes, how it encodes positions, the geometry its rotary dimensions turn with, and its window.
/// Each family's architecture record implements it (<see cref="LlamaArchitecture"/>, GptNeoX/, Gpt2/).
/// </summary>
public interface IModelShape
{
    int VocabSize { get; }
    int HiddenSize { get; }
    int Layers { get; }
    int Heads { get; }
    int HeadDim { get; }

    /// <summary>L0: the context length the model was trained on.</summary>
    int TrainedLength { get; }

    PositionEncoding Encoding { get; }

    /// <summary>
    /// The geometry positional strategies compute frequencies from: its HeadDim is the number of rotated dimensions
    /// per head (all of them for Llama, GPT-NeoX's rotary_ndims for a partial rotary).
    /// </summary>
    RopeGeometry Geometry { get; }

    /// <summary>Layer <paramref name="layer"/>'s sliding window, or null for full causal attention.</summary>
    int? WindowOf(int layer) => null;

    /// <summary>True for a layer that attends fully without positions in a model that positions its other layers (HWFA's last).</summary>
    bool IsFullNoPELayer(int layer) => false;

    /// <summary>The window of the windowed layers (null: none).</summary>
    int? SlidingWindow => null;

    /// <summary>True when some layer's window hides keys from a query among <paramref name="keys"/> positions.</summary>
    bool WindowCuts(int keys) => false;

    /// <summary>The strategy that runs this model exactly as it was trained.</summary>
    IPositionalStrategy NativeStrategy() => StrategyRegistry.Create(EncodingRules.NativeStrategy(Encoding.ConfigName()));
}
