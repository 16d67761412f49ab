import numpy as np
import pytest

from efs.psychometrics.bank import ItemBank
from efs.psychometrics.models import GPCM, THREE_PL, TWO_PL


@pytest.fixture
def small_bank() -> ItemBank:
    """Two dimensions, mixed models: 2PL, 3PL and a three-category GPCM item."""
    return ItemBank.from_arrays(
        ids=["a1", "a2", "a3", "b1", "b2", "b3"],
        dimension=[0, 0, 0, 1, 1, 1],
        model=[TWO_PL, THREE_PL, GPCM, TWO_PL, TWO_PL, GPCM],
        a=[1.2, 1.0, 0.8, 1.5, 0.7, 1.1],
        c=[0.0, 0.2, 0.0, 0.0, 0.0, 0.0],
        steps=np.array(
            [[0.2, np.nan], [-0.4, np.nan], [-0.6, 0.7], [0.5, np.nan], [-1.0, np.nan], [0.0, 0.9]]
        ),
        dimension_ids=["A", "B"],
        cuts=[0.0, 0.3],
    )
