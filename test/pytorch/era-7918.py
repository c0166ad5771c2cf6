# ERA S7 solution, 7,918 parameters: three 10-channel convs at 28x28, max-pool, then 16, 16, 8, 8,
# two 1x1s, global average pooling and a 1x1 to the ten classes. Bias-free, ReLU then BatchNorm.
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.convblock1 = nn.Sequential(
            nn.Conv2d(1, 10, 3, padding=1, bias=False),
            nn.ReLU(),
            nn.BatchNorm2d(10),
            nn.Conv2d(10, 10, 3, padding=1, bias=False),
            nn.ReLU(),
            nn.BatchNorm2d(10),
            nn.Conv2d(10, 10, 3, padding=1, bias=False),
            nn.ReLU(),
            nn.BatchNorm2d(10),
        )
        self.pool1 = nn.MaxPool2d(2, 2)  # 28 -> 14
        self.convblock2 = nn.Sequential(
            nn.Conv2d(10, 16, 3, bias=False),  # 12
            nn.ReLU(),
            nn.BatchNorm2d(16),
            nn.Conv2d(16, 16, 3, bias=False),  # 10
            nn.ReLU(),
            nn.BatchNorm2d(16),
            nn.Conv2d(16, 8, 3, bias=False),  # 8
            nn.ReLU(),
            nn.BatchNorm2d(8),
            nn.Conv2d(8, 8, 3, bias=False),  # 6
            nn.ReLU(),
            nn.BatchNorm2d(8),
            nn.Conv2d(8, 8, 1, bias=False),
            nn.ReLU(),
            nn.BatchNorm2d(8),
            nn.Conv2d(8, 16, 1, bias=False),
            nn.ReLU(),
            nn.BatchNorm2d(16),
        )
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.convblock3 = nn.Sequential(nn.Conv2d(16, 10, 1, bias=False))

    def forward(self, x):
        x = self.convblock1(x)
        x = self.pool1(x)
        x = self.convblock2(x)
        x = self.gap(x)
        x = self.convblock3(x)
        x = x.view(-1, 10)
        return F.log_softmax(x, dim=-1)
