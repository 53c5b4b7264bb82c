"""Growable per-step storage that stays on the device until it is read."""

from __future__ import annotations

import numpy as np
import torch


class RowBuffer:
    """Rows of a fixed width appended one per step into a device tensor.

    Appending copies into preallocated storage (no host sync, no Python object per
    step); capacity doubles when full, so memory is O(rows * width).
    """

    def __init__(self, width: int, *, device: torch.device, capacity: int = 64) -> None:
        self._data = torch.full((capacity, width), float("nan"), device=device)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, row: torch.Tensor | float) -> None:
        """Copy `row` ((width,) tensor, or a scalar for every column) into the next row."""
        self._grow()
        self._data[self._n] = row
        self._n += 1

    def append_values(self, *values: torch.Tensor | float | None) -> None:
        """Write one scalar (float, 0-d tensor, or None for NaN) per column into the next row."""
        self._grow()
        for column, value in enumerate(values):
            if isinstance(value, torch.Tensor):
                value = value.detach()  # a loss with grad_fn would make the buffer keep its graph
            if value is not None:
                self._data[self._n, column] = value
        self._n += 1

    def _grow(self) -> None:
        if self._n < self._data.shape[0]:
            return
        grown = torch.full_like(self._data.repeat(2, 1), float("nan"))
        grown[: self._n] = self._data
        self._data = grown

    def rows(self) -> torch.Tensor:
        """The filled rows, (len, width), a view on the device."""
        return self._data[: self._n]

    def numpy(self) -> np.ndarray:
        """The filled rows as a float32 array (one device-to-host copy)."""
        return self.rows().detach().cpu().numpy().astype(np.float32, copy=True)

    @property
    def nbytes(self) -> int:
        """Bytes held by the storage (capacity, not only the filled rows)."""
        return self._data.numel() * self._data.element_size()
